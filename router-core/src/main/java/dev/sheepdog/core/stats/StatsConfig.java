package dev.sheepdog.core.stats;

import java.time.Duration;
import java.util.Objects;

/**
 * How {@link ModelStats} measures a model.
 *
 * @param window how far back the windowed figures (error rate, percentiles, calls) look
 * @param buckets how many rotating buckets the window is cut into; a sample leaves the window
 *     between {@code window - window/buckets} and {@code window} after it was recorded
 * @param ewmaDecay the decay time of the peak-sensitive moving average: a sample's weight falls
 *     to {@code 1/e} after this long
 * @param failurePenalty the latency a fast failure counts as in the moving average, so that a
 *     model that fails quickly does not look quick
 * @param percentileRefresh how stale the cached windowed percentiles may be; they are recomputed
 *     lazily, at most once per interval, on read
 */
public record StatsConfig(
    Duration window, int buckets, Duration ewmaDecay, Duration failurePenalty, Duration percentileRefresh) {

  private static final StatsConfig DEFAULTS =
      new StatsConfig(Duration.ofSeconds(60), 6, Duration.ofSeconds(10), Duration.ofSeconds(5), Duration.ofSeconds(1));

  public StatsConfig {
    positive(window, "window");
    positive(ewmaDecay, "ewmaDecay");
    Objects.requireNonNull(failurePenalty, "failurePenalty must not be null");
    if (failurePenalty.isNegative()) {
      throw new IllegalArgumentException("failurePenalty must not be negative, was " + failurePenalty);
    }
    positive(percentileRefresh, "percentileRefresh");
    if (buckets < 1) {
      throw new IllegalArgumentException("buckets must be at least 1, was " + buckets);
    }
    if (window.toNanos() / buckets < 1_000_000) {
      throw new IllegalArgumentException(
          "buckets must leave at least 1 ms per bucket, was " + buckets + " buckets over " + window);
    }
  }

  /** 60 s window in 6 buckets of 10 s, 10 s EWMA decay, 5 s failure penalty, 1 s percentile refresh. */
  public static StatsConfig defaults() {
    return DEFAULTS;
  }

  public StatsConfig withWindow(Duration window, int buckets) {
    return new StatsConfig(window, buckets, ewmaDecay, failurePenalty, percentileRefresh);
  }

  public StatsConfig withEwmaDecay(Duration ewmaDecay) {
    return new StatsConfig(window, buckets, ewmaDecay, failurePenalty, percentileRefresh);
  }

  public StatsConfig withFailurePenalty(Duration failurePenalty) {
    return new StatsConfig(window, buckets, ewmaDecay, failurePenalty, percentileRefresh);
  }

  public StatsConfig withPercentileRefresh(Duration percentileRefresh) {
    return new StatsConfig(window, buckets, ewmaDecay, failurePenalty, percentileRefresh);
  }

  long bucketNanos() {
    return window.toNanos() / buckets;
  }

  private static void positive(Duration value, String field) {
    Objects.requireNonNull(value, () -> field + " must not be null");
    if (value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(field + " must be positive, was " + value);
    }
  }
}
