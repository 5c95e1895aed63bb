package dev.sheepdog.core.alert;

import java.time.Duration;
import java.util.Objects;

/**
 * When {@link AlertMonitor} raises the per-model alerts.
 *
 * @param p95LatencyThreshold a {@code HIGH_LATENCY} alert starts when the windowed p95 latency
 *     exceeds this
 * @param errorRateThreshold a {@code HIGH_ERROR_RATE} alert starts when the windowed error rate
 *     exceeds this fraction (0..1)
 * @param errorRateMinimumCalls the error rate is judged only over at least this many calls in the
 *     window; below it, one failure out of one call says nothing
 * @param consecutiveFailuresThreshold a {@code CONSECUTIVE_FAILURES} alert starts at this many
 *     failures in a row and ends with the next success
 * @param resolveFraction a latency or error-rate alert ends only when its value falls to this
 *     fraction of the threshold (1.0 = as soon as it is back under), so a value hovering at the
 *     threshold does not start an episode per call
 */
public record AlertRules(
    Duration p95LatencyThreshold,
    double errorRateThreshold,
    long errorRateMinimumCalls,
    int consecutiveFailuresThreshold,
    double resolveFraction) {

  private static final AlertRules DEFAULTS = new AlertRules(Duration.ofMillis(5_000), 0.05, 20, 3, 0.8);

  public AlertRules {
    Objects.requireNonNull(p95LatencyThreshold, "p95LatencyThreshold must not be null");
    if (p95LatencyThreshold.isNegative() || p95LatencyThreshold.isZero()) {
      throw new IllegalArgumentException("p95LatencyThreshold must be positive, was " + p95LatencyThreshold);
    }
    if (!(errorRateThreshold >= 0 && errorRateThreshold < 1)) {
      throw new IllegalArgumentException("errorRateThreshold must be in [0, 1), was " + errorRateThreshold);
    }
    if (errorRateMinimumCalls < 1) {
      throw new IllegalArgumentException("errorRateMinimumCalls must be at least 1, was " + errorRateMinimumCalls);
    }
    if (consecutiveFailuresThreshold < 1) {
      throw new IllegalArgumentException(
          "consecutiveFailuresThreshold must be at least 1, was " + consecutiveFailuresThreshold);
    }
    if (!(resolveFraction > 0 && resolveFraction <= 1)) {
      throw new IllegalArgumentException("resolveFraction must be in (0, 1], was " + resolveFraction);
    }
  }

  /** p95 over 5,000 ms; error rate over 5 % of at least 20 calls; 3 failures in a row; resolve at 80 %. */
  public static AlertRules defaults() {
    return DEFAULTS;
  }

  public AlertRules withP95LatencyThreshold(Duration threshold) {
    return new AlertRules(threshold, errorRateThreshold, errorRateMinimumCalls, consecutiveFailuresThreshold,
        resolveFraction);
  }

  public AlertRules withErrorRate(double threshold, long minimumCalls) {
    return new AlertRules(p95LatencyThreshold, threshold, minimumCalls, consecutiveFailuresThreshold,
        resolveFraction);
  }

  public AlertRules withConsecutiveFailuresThreshold(int threshold) {
    return new AlertRules(p95LatencyThreshold, errorRateThreshold, errorRateMinimumCalls, threshold,
        resolveFraction);
  }

  public AlertRules withResolveFraction(double fraction) {
    return new AlertRules(p95LatencyThreshold, errorRateThreshold, errorRateMinimumCalls,
        consecutiveFailuresThreshold, fraction);
  }
}
