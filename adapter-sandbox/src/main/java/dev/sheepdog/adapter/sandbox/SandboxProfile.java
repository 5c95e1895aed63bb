package dev.sheepdog.adapter.sandbox;

import java.time.Duration;
import java.util.Objects;

/**
 * How one simulated model behaves: its latency, its availability and its limits.
 *
 * <p>Latency follows a lognormal distribution fitted so that its mean and 95th percentile are
 * {@code meanLatency} and {@code p95Latency}; a fraction {@code tailProbability} of calls is
 * slower still, by a Pareto-distributed factor of 2 to 20, and the body of the distribution is
 * shifted down so the overall mean stays on target. For a complete answer the drawn latency is
 * the whole call; for a stream it is the time to the first chunk, and the rest follows at
 * {@code tokensPerSecond}.
 *
 * @param meanLatency the average latency of a call
 * @param p95Latency the 95th percentile; at least the mean and at most 3.8 times it (a lognormal
 *     cannot be more skewed for a given mean)
 * @param availability the share of calls that succeed, in (0, 1]; the others fail with HTTP 503
 * @param tailProbability the share of calls in the heavy tail, in [0, 0.02]
 * @param requestsPerMinute the upstream's own request limit (429 with {@code Retry-After} beyond
 *     it), or {@code 0} for none
 * @param tokensPerSecond how fast a stream delivers its tokens after the first chunk
 */
public record SandboxProfile(
    Duration meanLatency,
    Duration p95Latency,
    double availability,
    double tailProbability,
    long requestsPerMinute,
    double tokensPerSecond) {

  /** The heavy tail of {@link #of}: one call in two hundred. */
  public static final double DEFAULT_TAIL_PROBABILITY = 0.005;

  /** The streaming pace of {@link #of}. */
  public static final double DEFAULT_TOKENS_PER_SECOND = 80;

  /** The largest p95 / mean ratio a lognormal can have: where its quantile equation has a root. */
  static final double MAX_P95_TO_MEAN = Math.exp(1.6448536269514722 * 1.6448536269514722 / 2);

  public SandboxProfile {
    Objects.requireNonNull(meanLatency, "mean_latency");
    Objects.requireNonNull(p95Latency, "p95_latency");
    if (meanLatency.isNegative() || meanLatency.isZero()) {
      throw new IllegalArgumentException("mean_latency must be positive, was " + meanLatency);
    }
    if (p95Latency.compareTo(meanLatency) < 0) {
      throw new IllegalArgumentException(
          "p95_latency must be at least mean_latency (" + meanLatency + "), was " + p95Latency);
    }
    if ((double) p95Latency.toNanos() / meanLatency.toNanos() >= MAX_P95_TO_MEAN) {
      throw new IllegalArgumentException("p95_latency must be less than " + String.format("%.2f", MAX_P95_TO_MEAN)
          + " times mean_latency (" + meanLatency + "), was " + p95Latency);
    }
    if (!(availability > 0 && availability <= 1)) {
      throw new IllegalArgumentException("availability must be in (0, 1], was " + availability);
    }
    if (!(tailProbability >= 0 && tailProbability <= 0.02)) {
      throw new IllegalArgumentException("tail_probability must be in [0, 0.02], was " + tailProbability);
    }
    if (requestsPerMinute < 0) {
      throw new IllegalArgumentException("requests_per_minute must not be negative, was " + requestsPerMinute);
    }
    if (!(tokensPerSecond > 0) || Double.isInfinite(tokensPerSecond)) {
      throw new IllegalArgumentException("tokens_per_second must be positive, was " + tokensPerSecond);
    }
  }

  /**
   * A profile with the given latency and availability, the default heavy tail and streaming pace,
   * and no request limit.
   */
  public static SandboxProfile of(Duration meanLatency, Duration p95Latency, double availability) {
    return new SandboxProfile(meanLatency, p95Latency, availability, DEFAULT_TAIL_PROBABILITY, 0,
        DEFAULT_TOKENS_PER_SECOND);
  }

  /** Milliseconds and a percentage, as measurements are usually quoted: {@code ofMillis(850, 1200, 99.7)}. */
  public static SandboxProfile ofMillis(long meanMillis, long p95Millis, double availabilityPercent) {
    return of(Duration.ofMillis(meanMillis), Duration.ofMillis(p95Millis), availabilityPercent / 100);
  }

  public SandboxProfile withLatency(Duration mean, Duration p95) {
    return new SandboxProfile(mean, p95, availability, tailProbability, requestsPerMinute, tokensPerSecond);
  }

  public SandboxProfile withAvailability(double availability) {
    return new SandboxProfile(meanLatency, p95Latency, availability, tailProbability, requestsPerMinute,
        tokensPerSecond);
  }

  public SandboxProfile withTailProbability(double tailProbability) {
    return new SandboxProfile(meanLatency, p95Latency, availability, tailProbability, requestsPerMinute,
        tokensPerSecond);
  }

  public SandboxProfile withRequestsPerMinute(long requestsPerMinute) {
    return new SandboxProfile(meanLatency, p95Latency, availability, tailProbability, requestsPerMinute,
        tokensPerSecond);
  }

  public SandboxProfile withTokensPerSecond(double tokensPerSecond) {
    return new SandboxProfile(meanLatency, p95Latency, availability, tailProbability, requestsPerMinute,
        tokensPerSecond);
  }
}
