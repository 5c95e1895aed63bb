/**
 * Latency-aware selection.
 *
 * <p>{@link dev.sheepdog.policy.latency.PeakEwmaStrategy} spreads load with Finagle's power of
 * two choices over a peak-sensitive latency average, so a model that slows down loses traffic at
 * once; {@link dev.sheepdog.policy.latency.LatencyTierStrategy} keeps the models whose p95 fits the
 * request's priority. {@link dev.sheepdog.policy.latency.LatencyPolicyModule} binds them into Guice
 * as {@code "latency"} and {@code "latency-tier"}. Depends on {@code router-spi} only.
 */
package dev.sheepdog.policy.latency;
