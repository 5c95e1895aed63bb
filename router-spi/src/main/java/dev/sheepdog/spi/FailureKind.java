package dev.sheepdog.spi;

/**
 * How a provider call failed, decided once, in the adapter that saw the failure.
 *
 * <p>The router acts on the kind alone: see each constant for what it does.
 */
public enum FailureKind {
  /** 5xx, 408, 409, refused or reset connections: fail over at once; counts against the circuit. */
  UNAVAILABLE(true, true),
  /** Connect, first-byte or idle timeout: fail over at once; counts against the circuit. */
  TIMEOUT(true, true),
  /** 429: the model is not tried again before its retry-after; a cool-down, not a failure. */
  RATE_LIMITED(true, false),
  /** 401/403: every model of the provider is isolated for the recovery time; an alert is raised. */
  UNAUTHORIZED(false, false),
  /** 400/404/422: the caller's fault; returned as it is, no failover. */
  BAD_REQUEST(false, false),
  /** The prompt does not fit: only models with a larger context window are tried. */
  CONTEXT_TOO_LONG(false, false),
  /** The provider refused the content; returned as it is, no failover. */
  CONTENT_FILTERED(false, false),
  /** The reply could not be parsed or was cut short: fail over; counts against the circuit. */
  MALFORMED_RESPONSE(true, true),
  /** The call was cancelled by the caller or by the router (a deadline, a hedge that lost). */
  CANCELLED(false, false),
  /**
   * The adapter's own limit of calls in flight to the upstream is reached, so the call was never
   * sent: fail over at once. Not the model's fault, so no circuit count and no cool-down.
   */
  OVERLOADED(true, false);

  private final boolean failover;
  private final boolean countsAgainstCircuit;

  FailureKind(boolean failover, boolean countsAgainstCircuit) {
    this.failover = failover;
    this.countsAgainstCircuit = countsAgainstCircuit;
  }

  /** Whether another model may succeed where this one failed. */
  public boolean allowsFailover() {
    return failover;
  }

  /** Whether the failure says the model is unhealthy, and so counts towards opening its circuit. */
  public boolean countsAgainstCircuit() {
    return countsAgainstCircuit;
  }
}
