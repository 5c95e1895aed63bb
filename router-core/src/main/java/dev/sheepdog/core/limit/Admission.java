package dev.sheepdog.core.limit;

import dev.sheepdog.spi.SkipReason;

/**
 * The answer of a rate limiter: admitted, or refused with how long to wait for the earliest slot.
 *
 * @param outcome what happened
 * @param waitNanos {@code 0} when admitted; otherwise nanoseconds until the same request would be
 *     admitted if nothing else is admitted meanwhile, or {@link Long#MAX_VALUE} when it never fits
 */
public record Admission(Outcome outcome, long waitNanos) {
  /** Shared, so the admitting path allocates nothing. */
  public static final Admission ADMITTED = new Admission(Outcome.ADMITTED, 0);

  public Admission {
    if (outcome == null) {
      throw new NullPointerException("outcome must not be null");
    }
    if (outcome == Outcome.ADMITTED ? waitNanos != 0 : waitNanos <= 0) {
      throw new IllegalArgumentException("wait nanos must be 0 exactly when admitted, was " + waitNanos + " for " + outcome);
    }
  }

  static Admission refused(Outcome outcome, long waitNanos) {
    return new Admission(outcome, Math.max(1, waitNanos));
  }

  public boolean admitted() {
    return outcome == Outcome.ADMITTED;
  }

  /** Why the router passes over the model, for {@code ModelSkipped} events; only when refused. */
  public SkipReason skipReason() {
    if (outcome == Outcome.ADMITTED) {
      throw new IllegalStateException("an admitted request has no skip reason");
    }
    return outcome == Outcome.COOLING_DOWN ? SkipReason.COOLING_DOWN : SkipReason.RATE_LIMITED;
  }

  /** What a limiter decided. */
  public enum Outcome {
    ADMITTED,
    /** The requests-per-minute budget has no room yet. */
    REQUESTS_EXHAUSTED,
    /** The tokens-per-minute budget has no room yet. */
    TOKENS_EXHAUSTED,
    /** The provider answered 429 and its retry-after has not passed. */
    COOLING_DOWN,
    /** The estimate is larger than the whole tokens-per-minute limit; waiting will not help. */
    TOO_LARGE
  }
}
