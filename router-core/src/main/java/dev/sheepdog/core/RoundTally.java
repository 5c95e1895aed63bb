package dev.sheepdog.core;

import dev.sheepdog.spi.SkipReason;

/**
 * What one round saw besides its calls: the models it skipped, why, and when the first of them
 * frees up. Owned by one execution and guarded by its monitor; created on the first skip, as most
 * rounds skip nothing.
 */
final class RoundTally {
  private int skipped;
  private int openCircuits;
  private int limited;
  private boolean budgetRejected;
  private long earliestWaitNanos = Long.MAX_VALUE;
  /** The distinct reasons in the order first seen; created on the first skip. */
  private StringBuilder reasons;

  void reset() {
    skipped = 0;
    openCircuits = 0;
    limited = 0;
    budgetRejected = false;
    earliestWaitNanos = Long.MAX_VALUE;
    reasons = null;
  }

  void skipped(ModelAdmission verdict) {
    SkipReason reason = verdict.reason();
    skipped++;
    if (reason == SkipReason.CIRCUIT_OPEN) {
      openCircuits++;
    }
    if (verdict.budgetRejected()) {
      budgetRejected = true;
    }
    if (verdict.waitsFor() != ModelAdmission.Wait.NONE) {
      earliestWaitNanos = Math.min(earliestWaitNanos, verdict.waitNanos());
      if (verdict.waitsFor() == ModelAdmission.Wait.LIMIT) {
        limited++;
      }
    }
    if (reasons == null) {
      reasons = new StringBuilder(reason.name());
    } else if (reasons.indexOf(reason.name()) < 0) {
      reasons.append(", ").append(reason.name());
    }
  }

  boolean budgetRejected() {
    return budgetRejected;
  }

  /** Every model skipped had an open circuit. */
  boolean onlyOpenCircuits() {
    return skipped > 0 && openCircuits == skipped;
  }

  /** Every model skipped waits for a rate limit: its own limiter, or a 429's cool-down. */
  boolean onlyRateLimited() {
    return skipped > 0 && limited == skipped;
  }

  /** When the first skipped model that waits for something frees up; {@link Long#MAX_VALUE} if none waits. */
  long earliestWaitNanos() {
    return earliestWaitNanos;
  }

  String describe() {
    return skipped == 0 ? "no model could be called" : "every planned model was skipped (" + reasons + ")";
  }
}
