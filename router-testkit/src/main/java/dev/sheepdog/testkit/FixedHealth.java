package dev.sheepdog.testkit;

import dev.sheepdog.spi.CircuitState;
import dev.sheepdog.spi.ModelHealthView;
import java.time.Duration;

/**
 * A {@link ModelHealthView} with fixed values, for testing a {@code SelectionStrategy} against
 * health its test controls: {@code Candidate.of(spec, FixedHealth.HEALTHY.withEwma(ofMillis(800)))}.
 */
public record FixedHealth(
    CircuitState circuitState,
    boolean isAvailable,
    long ewmaLatencyNanos,
    long p50LatencyNanos,
    long p95LatencyNanos,
    long p99LatencyNanos,
    double errorRate,
    long windowCalls,
    int inFlight,
    int consecutiveFailures)
    implements ModelHealthView {

  public static final FixedHealth HEALTHY = new FixedHealth(CircuitState.CLOSED, true, 0, 0, 0, 0, 0, 0, 0, 0);

  /** A healthy model measured at {@code ewmaMillis} on average and {@code p95Millis} at p95. */
  public static FixedHealth measured(long ewmaMillis, long p95Millis) {
    return HEALTHY.withEwma(Duration.ofMillis(ewmaMillis)).withP95(Duration.ofMillis(p95Millis));
  }

  public FixedHealth withCircuit(CircuitState state) {
    return new FixedHealth(state, state != CircuitState.OPEN, ewmaLatencyNanos, p50LatencyNanos, p95LatencyNanos,
        p99LatencyNanos, errorRate, windowCalls, inFlight, consecutiveFailures);
  }

  /**
   * A model whose circuit is still OPEN but whose recovery time is over: the router would admit a
   * probe now, so it is available although its state has not moved yet (it moves with the probe).
   */
  public FixedHealth dueForProbe() {
    return new FixedHealth(CircuitState.OPEN, true, ewmaLatencyNanos, p50LatencyNanos, p95LatencyNanos,
        p99LatencyNanos, errorRate, windowCalls, inFlight, consecutiveFailures);
  }

  public FixedHealth unavailable() {
    return new FixedHealth(circuitState, false, ewmaLatencyNanos, p50LatencyNanos, p95LatencyNanos,
        p99LatencyNanos, errorRate, windowCalls, inFlight, consecutiveFailures);
  }

  public FixedHealth withErrorRate(double rate) {
    return new FixedHealth(circuitState, isAvailable, ewmaLatencyNanos, p50LatencyNanos, p95LatencyNanos,
        p99LatencyNanos, rate, windowCalls, inFlight, consecutiveFailures);
  }

  public FixedHealth withEwma(Duration ewma) {
    return new FixedHealth(circuitState, isAvailable, ewma.toNanos(), p50LatencyNanos, p95LatencyNanos,
        p99LatencyNanos, errorRate, windowCalls, inFlight, consecutiveFailures);
  }

  public FixedHealth withP95(Duration p95) {
    return new FixedHealth(circuitState, isAvailable, ewmaLatencyNanos, p50LatencyNanos, p95.toNanos(),
        p99LatencyNanos, errorRate, windowCalls, inFlight, consecutiveFailures);
  }

  public FixedHealth withInFlight(int calls) {
    return new FixedHealth(circuitState, isAvailable, ewmaLatencyNanos, p50LatencyNanos, p95LatencyNanos,
        p99LatencyNanos, errorRate, windowCalls, calls, consecutiveFailures);
  }
}
