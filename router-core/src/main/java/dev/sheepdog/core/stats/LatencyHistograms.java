package dev.sheepdog.core.stats;

import org.HdrHistogram.AbstractHistogram;
import org.HdrHistogram.AtomicHistogram;
import org.HdrHistogram.Histogram;

/**
 * The one histogram shape every latency is kept in: 1 µs to 1 h, two significant digits (at most
 * 1/128 relative error), in nanoseconds. A fixed range means recording never resizes, so it never
 * allocates; and equal shapes make adding one histogram into another a plain array walk.
 */
final class LatencyHistograms {
  static final long LOWEST_NANOS = 1_000L;
  static final long HIGHEST_NANOS = 3_600_000_000_000L;
  static final int SIGNIFICANT_DIGITS = 2;

  private LatencyHistograms() {}

  /** For concurrent recording. */
  static AtomicHistogram concurrent() {
    return new AtomicHistogram(LOWEST_NANOS, HIGHEST_NANOS, SIGNIFICANT_DIGITS);
  }

  /** For merging and reading, by one thread at a time. */
  static Histogram scratch() {
    return new Histogram(LOWEST_NANOS, HIGHEST_NANOS, SIGNIFICANT_DIGITS);
  }

  /** Values outside the range are clamped: a wild latency should skew a percentile, not throw. */
  static long clamp(long nanos) {
    return nanos < 0 ? 0 : Math.min(nanos, HIGHEST_NANOS);
  }

  /** The value at {@code percentile} (0..100), {@code 0} when empty. */
  static long percentile(AbstractHistogram histogram, double percentile) {
    return histogram.getTotalCount() == 0 ? 0 : histogram.getValueAtPercentile(percentile);
  }
}
