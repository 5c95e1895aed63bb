package dev.sheepdog.core.stats;

import dev.sheepdog.spi.FailureKind;
import java.time.Duration;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;

/**
 * Everything {@link ModelStats} knows about a model at one moment, for health reports and
 * dashboards. Latency figures cover successful calls; {@link Duration#ZERO} means "no sample".
 *
 * @param window the statistics window (by default the last 60 s)
 * @param lifetime everything since the model's statistics were created
 * @param ewmaLatency the peak-sensitive moving average the router ranks models by
 * @param inFlight calls started and not yet finished
 * @param consecutiveFailures model failures since the last success
 * @param atEpochMillis when the snapshot was taken
 */
public record StatsSnapshot(
    PeriodStats window,
    PeriodStats lifetime,
    Duration ewmaLatency,
    int inFlight,
    int consecutiveFailures,
    long atEpochMillis) {

  public StatsSnapshot {
    Objects.requireNonNull(window, "window must not be null");
    Objects.requireNonNull(lifetime, "lifetime must not be null");
    Objects.requireNonNull(ewmaLatency, "ewmaLatency must not be null");
    if (inFlight < 0) {
      throw new IllegalArgumentException("inFlight must not be negative, was " + inFlight);
    }
    if (consecutiveFailures < 0) {
      throw new IllegalArgumentException("consecutiveFailures must not be negative, was " + consecutiveFailures);
    }
  }

  /**
   * Calls over one period.
   *
   * @param span how much time the figures cover
   * @param calls completed calls (successes and failures; cancelled calls are not outcomes)
   * @param successes calls that answered
   * @param failures failed calls by kind, only kinds that occurred
   * @param errorRate model failures ÷ calls, in [0, 1]; a caller's bad request is not a model
   *     failure, see {@link ModelStats}
   * @param average mean latency of successful calls
   * @param p50 median latency of successful calls
   * @param p95 95th percentile latency of successful calls
   * @param p99 99th percentile latency of successful calls
   * @param timeToFirstTokenP50 median time to first token of streams
   * @param timeToFirstTokenP95 95th percentile time to first token of streams
   */
  public record PeriodStats(
      Duration span,
      long calls,
      long successes,
      Map<FailureKind, Long> failures,
      double errorRate,
      Duration average,
      Duration p50,
      Duration p95,
      Duration p99,
      Duration timeToFirstTokenP50,
      Duration timeToFirstTokenP95) {

    public PeriodStats {
      Objects.requireNonNull(span, "span must not be null");
      if (calls < 0) {
        throw new IllegalArgumentException("calls must not be negative, was " + calls);
      }
      if (successes < 0) {
        throw new IllegalArgumentException("successes must not be negative, was " + successes);
      }
      Objects.requireNonNull(failures, "failures must not be null");
      failures = failures.isEmpty()
          ? Map.of()
          : Collections.unmodifiableMap(new EnumMap<>(failures));
      if (!(errorRate >= 0 && errorRate <= 1)) {
        throw new IllegalArgumentException("errorRate must be in [0, 1], was " + errorRate);
      }
      Objects.requireNonNull(average, "average must not be null");
      Objects.requireNonNull(p50, "p50 must not be null");
      Objects.requireNonNull(p95, "p95 must not be null");
      Objects.requireNonNull(p99, "p99 must not be null");
      Objects.requireNonNull(timeToFirstTokenP50, "timeToFirstTokenP50 must not be null");
      Objects.requireNonNull(timeToFirstTokenP95, "timeToFirstTokenP95 must not be null");
    }

    /** All failed calls, of every kind. */
    public long failureCount() {
      long total = 0;
      for (long n : failures.values()) {
        total += n;
      }
      return total;
    }
  }
}
