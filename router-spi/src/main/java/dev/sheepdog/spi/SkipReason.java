package dev.sheepdog.spi;

/** Why the router passed over a planned model without calling it. */
public enum SkipReason {
  CIRCUIT_OPEN,
  /** A 429's retry-after has not passed yet. */
  COOLING_DOWN,
  /** The model's requests- or tokens-per-minute budget has no room. */
  RATE_LIMITED,
  /** Its estimated cost is above the request's maximum or the budget's price ceiling. */
  OVER_BUDGET,
  /** The prompt needs a larger context window than the model has. */
  CONTEXT_TOO_SMALL,
  /** Its provider is isolated after an authentication failure. */
  PROVIDER_UNAUTHORIZED,
  /** No provider is registered for it. */
  NO_PROVIDER
}
