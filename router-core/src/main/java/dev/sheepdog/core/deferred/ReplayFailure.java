package dev.sheepdog.core.deferred;

import java.time.Duration;
import java.util.Objects;

/**
 * How the replayer treats a replay that failed: try again after the usual backoff, give up at once,
 * or put the entry back without counting a replay because no model could be tried yet.
 *
 * @param kind what to do
 * @param retryIn for {@link Kind#NOT_TRIED}: when a model may take the request again (such as when
 *     the first open circuit lets a probe through); zero otherwise
 */
public record ReplayFailure(Kind kind, Duration retryIn) {
  private static final ReplayFailure RETRY = new ReplayFailure(Kind.RETRY, Duration.ZERO);
  private static final ReplayFailure GIVE_UP = new ReplayFailure(Kind.GIVE_UP, Duration.ZERO);

  public ReplayFailure {
    Objects.requireNonNull(kind, "kind must not be null");
    Objects.requireNonNull(retryIn, "retryIn must not be null");
    if (retryIn.isNegative()) {
      throw new IllegalArgumentException("retryIn must not be negative, was " + retryIn);
    }
  }

  /** A failure a later replay may cure: counted, and retried after the policy's backoff. */
  public static ReplayFailure retry() {
    return RETRY;
  }

  /** A failure no replay can cure: the entry is dead-lettered at once. */
  public static ReplayFailure giveUp() {
    return GIVE_UP;
  }

  /** Nothing was called (every model was skipped): not counted, due again in {@code retryIn}. */
  public static ReplayFailure notTried(Duration retryIn) {
    return new ReplayFailure(Kind.NOT_TRIED, retryIn);
  }

  /** What to do. */
  public enum Kind {
    RETRY,
    GIVE_UP,
    NOT_TRIED
  }
}
