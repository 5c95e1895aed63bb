package dev.sheepdog.core;

import java.time.Duration;

/**
 * When a model's circuit opens and how it recovers. Defaults are the tutorial's: open after 3
 * consecutive failures, recover after 60 s, one half-open probe.
 *
 * @param consecutiveFailures open after this many transient failures in a row
 * @param failureRateThreshold also open when failures ÷ calls over the sliding window reach this
 *     (in (0, 1]), once the window holds at least {@code minimumCalls}
 * @param slidingWindowSize how many recent calls the failure rate covers (at most 56)
 * @param minimumCalls calls needed in the window before the rate counts
 * @param recoveryTime how long a circuit stays open the first time
 * @param recoveryMultiplier how much longer each consecutive re-open lasts (1 = constant)
 * @param maxRecoveryTime the cap on a growing recovery time
 * @param halfOpenProbes how many probe calls a half-open circuit admits; all must succeed to close
 */
public record CircuitBreakerConfig(
    int consecutiveFailures,
    double failureRateThreshold,
    int slidingWindowSize,
    int minimumCalls,
    Duration recoveryTime,
    double recoveryMultiplier,
    Duration maxRecoveryTime,
    int halfOpenProbes) {

  public static final int MAX_WINDOW = 56;

  public CircuitBreakerConfig {
    positive(consecutiveFailures, "circuit.consecutive_failures");
    if (!(failureRateThreshold > 0 && failureRateThreshold <= 1)) {
      throw new IllegalArgumentException("circuit.failure_rate_threshold must be in (0, 1], was " + failureRateThreshold);
    }
    if (slidingWindowSize < 1 || slidingWindowSize > MAX_WINDOW) {
      throw new IllegalArgumentException(
          "circuit.sliding_window_size must be between 1 and " + MAX_WINDOW + ", was " + slidingWindowSize);
    }
    if (minimumCalls < 1 || minimumCalls > slidingWindowSize) {
      throw new IllegalArgumentException(
          "circuit.minimum_calls must be between 1 and the window size " + slidingWindowSize + ", was " + minimumCalls);
    }
    Durations.positive(recoveryTime, "circuit.recovery_time");
    if (!(recoveryMultiplier >= 1)) {
      throw new IllegalArgumentException("circuit.recovery_multiplier must be at least 1, was " + recoveryMultiplier);
    }
    Durations.positive(maxRecoveryTime, "circuit.max_recovery_time");
    if (maxRecoveryTime.compareTo(recoveryTime) < 0) {
      throw new IllegalArgumentException("circuit.max_recovery_time must not be below circuit.recovery_time");
    }
    positive(halfOpenProbes, "circuit.half_open_probes");
  }

  public static CircuitBreakerConfig defaults() {
    return new CircuitBreakerConfig(3, 0.5, 20, 10, Duration.ofSeconds(60), 2.0, Duration.ofMinutes(10), 1);
  }

  public CircuitBreakerConfig withConsecutiveFailures(int n) {
    return new CircuitBreakerConfig(n, failureRateThreshold, slidingWindowSize, minimumCalls, recoveryTime,
        recoveryMultiplier, maxRecoveryTime, halfOpenProbes);
  }

  public CircuitBreakerConfig withFailureRate(double threshold, int windowSize, int minimumCalls) {
    return new CircuitBreakerConfig(consecutiveFailures, threshold, windowSize, minimumCalls, recoveryTime,
        recoveryMultiplier, maxRecoveryTime, halfOpenProbes);
  }

  public CircuitBreakerConfig withRecovery(Duration recoveryTime, double multiplier, Duration maxRecoveryTime) {
    return new CircuitBreakerConfig(consecutiveFailures, failureRateThreshold, slidingWindowSize, minimumCalls,
        recoveryTime, multiplier, maxRecoveryTime, halfOpenProbes);
  }

  public CircuitBreakerConfig withHalfOpenProbes(int probes) {
    return new CircuitBreakerConfig(consecutiveFailures, failureRateThreshold, slidingWindowSize, minimumCalls,
        recoveryTime, recoveryMultiplier, maxRecoveryTime, probes);
  }

  /** The recovery time of the {@code opens}-th consecutive open (1 for the first). */
  long recoveryNanos(int opens) {
    double nanos = recoveryTime.toNanos() * Math.pow(recoveryMultiplier, Math.max(0, opens - 1));
    return (long) Math.min(nanos, maxRecoveryTime.toNanos());
  }

  private static void positive(int value, String field) {
    if (value < 1) {
      throw new IllegalArgumentException(field + " must be at least 1, was " + value);
    }
  }
}
