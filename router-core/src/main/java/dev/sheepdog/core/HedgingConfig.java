package dev.sheepdog.core;

import java.time.Duration;

/**
 * Hedged requests: if the first model has not answered after {@code delay}, the same request
 * starts on the next admissible model of the plan; the first answer wins and the other call is
 * cancelled. Streams are never hedged. Hedges draw on a budget so that a slow period does not
 * double the load: by default at most 5 % extra calls over the last 60 s.
 *
 * @param delay a fixed delay, or {@code null} for the first model's current p95 latency (no hedge
 *     while it has no p95 yet)
 * @param budgetRatio hedges allowed as a fraction of requests over {@code budgetWindow}
 * @param budgetMinimum hedges always allowed in the window
 * @param budgetWindow how far back the budget looks
 */
public record HedgingConfig(Duration delay, double budgetRatio, int budgetMinimum, Duration budgetWindow) {
  public HedgingConfig {
    if (delay != null) {
      Durations.positive(delay, "hedging.delay");
    }
    if (!(budgetRatio >= 0 && budgetRatio <= 1)) {
      throw new IllegalArgumentException("hedging.budget_ratio must be in [0, 1], was " + budgetRatio);
    }
    if (budgetMinimum < 0) {
      throw new IllegalArgumentException("hedging.budget_minimum must not be negative, was " + budgetMinimum);
    }
    Durations.positive(budgetWindow, "hedging.budget_window");
  }

  /** Hedge after the first model's current p95, within a 5 % budget over 60 s. */
  public static HedgingConfig atP95() {
    return new HedgingConfig(null, 0.05, 1, Duration.ofSeconds(60));
  }

  /** Hedge after a fixed delay, within a 5 % budget over 60 s. */
  public static HedgingConfig after(Duration delay) {
    return new HedgingConfig(delay, 0.05, 1, Duration.ofSeconds(60));
  }

  public HedgingConfig withBudget(double ratio, int minimum, Duration window) {
    return new HedgingConfig(delay, ratio, minimum, window);
  }
}
