package dev.sheepdog.policy.cost;

import dev.sheepdog.spi.CircuitState;
import dev.sheepdog.spi.ModelHealthView;
import java.time.Duration;

/** A health view with fixed values, for plans whose inputs a test controls. */
record FixedHealth(
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

  static final FixedHealth HEALTHY = new FixedHealth(CircuitState.CLOSED, true, 0, 0, 0, 0, 0, 0, 0, 0);

  FixedHealth withCircuit(CircuitState state) {
    return new FixedHealth(state, state != CircuitState.OPEN, ewmaLatencyNanos, p50LatencyNanos, p95LatencyNanos,
        p99LatencyNanos, errorRate, windowCalls, inFlight, consecutiveFailures);
  }

  FixedHealth unavailable() {
    return new FixedHealth(circuitState, false, ewmaLatencyNanos, p50LatencyNanos, p95LatencyNanos,
        p99LatencyNanos, errorRate, windowCalls, inFlight, consecutiveFailures);
  }

  FixedHealth withErrorRate(double rate) {
    return new FixedHealth(circuitState, isAvailable, ewmaLatencyNanos, p50LatencyNanos, p95LatencyNanos,
        p99LatencyNanos, rate, windowCalls, inFlight, consecutiveFailures);
  }

  FixedHealth withEwma(Duration ewma) {
    return new FixedHealth(circuitState, isAvailable, ewma.toNanos(), p50LatencyNanos, p95LatencyNanos,
        p99LatencyNanos, errorRate, windowCalls, inFlight, consecutiveFailures);
  }
}
