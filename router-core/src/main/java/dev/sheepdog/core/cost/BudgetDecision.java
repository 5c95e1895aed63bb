package dev.sheepdog.core.cost;

import dev.sheepdog.spi.SkipReason;

/** Whether a budget lets a model be tried for a request. */
public enum BudgetDecision {
  ALLOW,
  /** The model's estimated cost is above the request's {@code maxCost}: try a cheaper one. */
  SKIP_OVER_REQUEST_MAX,
  /** A reached cap restricts to cheaper models and this one's output price is above its ceiling. */
  SKIP_OVER_PRICE_CEILING,
  /** A reached cap rejects the request whatever the model: fail it without calling anyone. */
  REJECT;

  public boolean allows() {
    return this == ALLOW;
  }

  public boolean skips() {
    return this == SKIP_OVER_REQUEST_MAX || this == SKIP_OVER_PRICE_CEILING;
  }

  public boolean rejects() {
    return this == REJECT;
  }

  /** For {@code ModelSkipped} events. */
  public SkipReason skipReason() {
    return SkipReason.OVER_BUDGET;
  }
}
