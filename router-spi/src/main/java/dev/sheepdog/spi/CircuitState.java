package dev.sheepdog.spi;

/** The state of a model's circuit breaker. */
public enum CircuitState {
  /** Healthy: calls flow. */
  CLOSED,
  /** Isolated: no calls until the recovery time has passed. */
  OPEN,
  /** Recovering: a fixed number of probe calls may pass; their outcome decides. */
  HALF_OPEN
}
