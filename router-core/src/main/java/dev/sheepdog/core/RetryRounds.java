package dev.sheepdog.core;

import dev.failsafe.Failsafe;
import dev.failsafe.FailsafeExecutor;
import dev.failsafe.RetryPolicy;
import dev.failsafe.RetryPolicyBuilder;
import dev.sheepdog.spi.Scheduler;
import dev.sheepdog.spi.Ticker;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * When another pass over the plan follows a round that found no answer, and after how long: two
 * Failsafe retry policies, built once per router from its {@link RetryConfig} and run on its
 * {@link Scheduler}.
 *
 * <ul>
 *   <li>A round whose calls failed ({@link Failed}) is retried by the outer policy after Failsafe's
 *       own exponential backoff ({@code initialBackoff} doubling to {@code maxBackoff}) with its
 *       jitter. It aborts when the longest wait the jitter could draw would end past the deadline,
 *       when no planned model could take a call before the next round (every one isolated, as
 *       after a 401 or with every circuit open), or when the router's retry budget is spent,
 *       checked in that order so that a budget token is only taken for a round that will run.
 *   <li>A round that called nobody because every planned model waits for a rate limit ({@link
 *       HeldBack}) is retried by the inner policy when the first of them frees up, exactly then:
 *       the wait is the models' own (a 429's {@code Retry-After}, a limiter's next slot), so it
 *       gets no jitter. It aborts when that moment is past the deadline.
 * </ul>
 *
 * Both count towards one limit, {@code rounds} passes in all: each policy's abort condition reads
 * the pass number the round failed in, and Failsafe's retry limit holds the same bound for each
 * kind on its own. A round ending in anything else ends the request; Failsafe hands it back.
 *
 * <p>The first round runs outside Failsafe, on the caller's thread: a request answered there — the
 * common case — costs no Failsafe execution at all (see docs/architecture.md for the numbers). A
 * request whose first round failed is handed over with that round's outcome as Failsafe's first
 * result ({@link #takeOver}), so the policies decide from the first round on.
 */
final class RetryRounds {
  private final RetryConfig config;
  private final RetryBudget budget;
  private final FailsafeExecutor<Object> executor;

  RetryRounds(RetryConfig config, RetryBudget budget, Scheduler scheduler, Ticker ticker) {
    this.config = config;
    this.budget = budget;
    RetryPolicyBuilder<Object> afterFailure = RetryPolicy.builder()
        .handleIf((result, failure) -> failure instanceof Failed)
        .abortIf((result, failure) -> failure instanceof Failed failed && aborts(failed))
        .withMaxRetries(config.rounds() - 1);
    if (config.maxBackoff().compareTo(config.initialBackoff()) > 0) {
      afterFailure.withBackoff(config.initialBackoff(), config.maxBackoff());
    } else {
      afterFailure.withDelay(config.initialBackoff());
    }
    if (config.jitter() > 0) {
      afterFailure.withJitter(config.jitter());
    }
    RetryPolicy<Object> afterWait = RetryPolicy.builder()
        .handle(HeldBack.class)
        .abortIf((result, failure) -> failure instanceof HeldBack held && aborts(held))
        .withDelayFnOn(context -> Duration.ofNanos(((HeldBack) context.getLastException()).waitNanos), HeldBack.class)
        .withMaxRetries(config.rounds() - 1)
        .build();
    this.executor = Failsafe.with(afterFailure.build(), afterWait).with(new FailsafeScheduler(scheduler, ticker));
  }

  /**
   * Runs the rounds after the first: Failsafe's first execution is {@code firstRound}, the outcome
   * the first round already had, and each retry calls {@code nextRound}. The future fails with the
   * last round's {@link RoundFailure} when the policies give up, or with whatever ended a round
   * otherwise; answers never reach it (the execution delivers them itself and cancels it).
   */
  <T> CompletableFuture<T> takeOver(RoundFailure firstRound, Supplier<CompletableFuture<T>> nextRound) {
    boolean[] first = {true};
    @SuppressWarnings("unchecked")
    CompletableFuture<T> rounds = (CompletableFuture<T>) executor.getStageAsync(() -> {
      if (first[0]) {
        first[0] = false;
        return CompletableFuture.failedFuture(firstRound);
      }
      return nextRound.get();
    });
    return rounds;
  }

  private boolean aborts(Failed failed) {
    if (failed.round >= config.rounds()) {
      return true; // the last pass allowed, whatever kinds of round came before it; no budget is taken
    }
    long longestWait = config.longestBackoffNanos(failed.round);
    if (longestWait >= failed.timeLeftNanos) {
      failed.abortReason = "no time left for another round before the deadline";
    } else if (failed.blockedNanos > longestWait) {
      failed.abortReason = "no planned model can be called before another round";
    } else if (!budget.tryRetry()) {
      failed.abortReason = "the retry budget is spent";
    } else {
      return false;
    }
    return true;
  }

  private boolean aborts(HeldBack held) {
    return held.round >= config.rounds() || held.waitNanos >= held.timeLeftNanos;
  }

  /**
   * How a round ended without an answer: the facts the policies decide on, never a decision or a
   * delay of its own. Failsafe passes it back when it stops retrying. No stack trace: it is an
   * outcome, not an error.
   */
  abstract static class RoundFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** The pass it ended, counting from 1. */
    final int round;
    final long timeLeftNanos;

    RoundFailure(int round, long timeLeftNanos) {
      super(null, null, false, false);
      this.round = round;
      this.timeLeftNanos = timeLeftNanos;
    }
  }

  /** Calls were made and every one failed in a way another model or a later round may not repeat. */
  static final class Failed extends RoundFailure {
    private static final long serialVersionUID = 1L;

    /** Nanos until some planned model may take a call again; 0 when one may now. */
    final long blockedNanos;
    /** Why the outer policy stopped before its limit; set by its abort condition, {@code null} otherwise. */
    transient volatile String abortReason;

    Failed(int round, long timeLeftNanos, long blockedNanos) {
      super(round, timeLeftNanos);
      this.blockedNanos = blockedNanos;
    }
  }

  /** No call was made: every planned model waits for a rate limit, the first for {@code waitNanos}. */
  static final class HeldBack extends RoundFailure {
    private static final long serialVersionUID = 1L;

    final long waitNanos;

    HeldBack(int round, long timeLeftNanos, long waitNanos) {
      super(round, timeLeftNanos);
      this.waitNanos = waitNanos;
    }
  }
}
