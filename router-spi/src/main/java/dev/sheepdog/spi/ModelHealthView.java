package dev.sheepdog.spi;

/**
 * A read-only view of one model's live health, for selection strategies.
 *
 * <p>Reading it is cheap (a few volatile reads, no copying, no sorting) and it may change between
 * two reads: a strategy should read each value once per plan. Latencies are in nanoseconds;
 * {@code 0} means "no sample yet". Rates and counts cover the statistics window (by default the
 * last 60 seconds).
 */
public interface ModelHealthView {
  /**
   * The circuit's state. It changes only when calls end or are admitted: CLOSED to OPEN when
   * failures trip it; OPEN to HALF_OPEN only when the router admits a probe to this model once
   * its recovery time is over (time passing alone does not change it); HALF_OPEN to CLOSED or
   * OPEN again as the probes end. The router probes a model at its place in the plan, so a
   * strategy that leaves OPEN models out of its plans, or moves them behind models that answer,
   * keeps them OPEN for good: leave health to the router.
   */
  CircuitState circuitState();

  /** Whether a call may be made now: the circuit admits calls and no 429 cool-down is running. */
  boolean isAvailable();

  /** Peak-sensitive exponentially weighted moving average of latency. */
  long ewmaLatencyNanos();

  long p50LatencyNanos();

  long p95LatencyNanos();

  long p99LatencyNanos();

  /** Failures ÷ calls over the window, in [0, 1]; {@code 0} with no calls. */
  double errorRate();

  /** Calls completed over the window. */
  long windowCalls();

  /** Calls started and not yet finished. */
  int inFlight();

  int consecutiveFailures();

  /** A view for a model nobody has called yet; useful in tests and for new models. */
  ModelHealthView UNKNOWN = new ModelHealthView() {
    @Override public CircuitState circuitState() { return CircuitState.CLOSED; }
    @Override public boolean isAvailable() { return true; }
    @Override public long ewmaLatencyNanos() { return 0; }
    @Override public long p50LatencyNanos() { return 0; }
    @Override public long p95LatencyNanos() { return 0; }
    @Override public long p99LatencyNanos() { return 0; }
    @Override public double errorRate() { return 0; }
    @Override public long windowCalls() { return 0; }
    @Override public int inFlight() { return 0; }
    @Override public int consecutiveFailures() { return 0; }
  };
}
