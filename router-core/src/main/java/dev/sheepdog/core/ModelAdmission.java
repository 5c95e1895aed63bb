package dev.sheepdog.core;

import dev.sheepdog.spi.SkipReason;

/**
 * What {@link Fleet#admit} decided for one planned model: admitted, with the circuit permit the
 * call must report its outcome under (the limiter has then reserved a request slot and the
 * request's tokens), or skipped, with why and how long until the model may take a call again.
 *
 * <p>The admitted value for a permit is cached by the model ({@link ModelHealth#admitted}), and
 * skips without a wait are shared constants, so the admitting path allocates nothing.
 */
final class ModelAdmission {
  /** What a skipped model is waiting for. */
  enum Wait {
    /** Nothing that time cures within this request: a budget, a context window too small. */
    NONE,
    /** A rate limit: its own limiter, or the cool-down after a provider's 429. */
    LIMIT,
    /** Isolation: an open circuit, or a provider whose credentials were refused. */
    ISOLATION
  }

  static final ModelAdmission CONTEXT_TOO_SMALL = new ModelAdmission(null, SkipReason.CONTEXT_TOO_SMALL, 0, Wait.NONE,
      false, false);
  static final ModelAdmission OVER_BUDGET = new ModelAdmission(null, SkipReason.OVER_BUDGET, 0, Wait.NONE, false,
      false);
  /** A rejecting budget cap is reached: no model may be called today. */
  static final ModelAdmission BUDGET_REJECTED = new ModelAdmission(null, SkipReason.OVER_BUDGET, 0, Wait.NONE, true,
      false);

  private final Object permit;
  private final SkipReason reason;
  private final long waitNanos;
  private final Wait wait;
  private final boolean budgetRejected;
  private final boolean shared;

  private ModelAdmission(Object permit, SkipReason reason, long waitNanos, Wait wait, boolean budgetRejected,
      boolean shared) {
    this.permit = permit;
    this.reason = reason;
    this.waitNanos = waitNanos;
    this.wait = wait;
    this.budgetRejected = budgetRejected;
    this.shared = shared;
  }

  static ModelAdmission admitted(Object permit, boolean shared) {
    return new ModelAdmission(permit, null, 0, Wait.NONE, false, shared);
  }

  static ModelAdmission skipped(SkipReason reason, long waitNanos, Wait wait) {
    return new ModelAdmission(null, reason, Math.max(0, waitNanos), wait, false, false);
  }

  /** Whether the admitted call's reservation was made in the fleet's shared limits, not locally. */
  boolean shared() {
    return shared;
  }

  boolean admitted() {
    return permit != null;
  }

  /** The circuit permit of an admitted call. */
  Object permit() {
    return permit;
  }

  /** Why the model was skipped; {@code null} when admitted. */
  SkipReason reason() {
    return reason;
  }

  /** Nanos until the skipped model may take a call again, for {@link Wait#LIMIT} and {@link Wait#ISOLATION}. */
  long waitNanos() {
    return waitNanos;
  }

  Wait waitsFor() {
    return wait;
  }

  boolean budgetRejected() {
    return budgetRejected;
  }
}
