package dev.sheepdog.spi;

/** What an alert is about. Each fires once when its condition starts, and resolves once. */
public enum AlertType {
  HIGH_LATENCY,
  HIGH_ERROR_RATE,
  CONSECUTIVE_FAILURES,
  CIRCUIT_OPEN,
  PROVIDER_UNAUTHORIZED,
  BUDGET_80_PERCENT,
  BUDGET_EXHAUSTED,
  /** The state store cannot write: spend and deferred requests wait in memory and are retried. */
  STATE_STORE_FAILING
}
