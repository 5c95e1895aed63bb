/**
 * Per-model latency and outcome statistics: a rotating-bucket window over fixed-range HDR
 * histograms for percentiles, a peak-sensitive moving average for ranking, and lifetime totals
 * for reports. Recording is lock-free and allocation-free; reads for routing are volatile reads.
 */
package dev.sheepdog.core.stats;
