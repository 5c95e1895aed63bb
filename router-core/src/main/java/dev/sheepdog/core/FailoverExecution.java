package dev.sheepdog.core;

import dev.sheepdog.spi.CallOptions;
import dev.sheepdog.spi.Candidate;
import dev.sheepdog.spi.FailureKind;
import dev.sheepdog.spi.Money;
import dev.sheepdog.spi.ProviderException;
import dev.sheepdog.spi.RouteHints;
import dev.sheepdog.spi.RouterEvent;
import dev.sheepdog.spi.RouterException;
import dev.sheepdog.spi.Scheduler;
import dev.sheepdog.spi.SkipReason;
import dev.sheepdog.spi.Usage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.BiConsumer;

/**
 * How a request reaches its end ({@link RouteExecution}): the walk through its plan, in rounds.
 *
 * <h2>Flow</h2>
 *
 * The plan drops the models that could never take the request ({@link Servability}); with none
 * left, the request is not servable. A round walks the plan in order: each model is admitted by
 * the {@link Fleet} or skipped, and the first admitted one is called. A transient failure moves on
 * to the next model at once; a failure that every model would repeat ends the request; a prompt
 * too long for one model goes on only while a planned model has a larger window. A hedge races the
 * next admissible model against a slow primary. A round without an answer goes to the retry
 * policies ({@link RetryRounds}), which run the rounds that follow on the scheduler; the first
 * round runs on the caller's thread, outside Failsafe.
 *
 * <h2>Concurrency</h2>
 *
 * The caller's thread, provider callbacks, the hedge and the request's timer drive the walk. Round
 * progress (the plan's index, the round's tally, the attempts in flight) changes only under this
 * object's monitor and only while the request runs; an admitted attempt counts as in flight from
 * admission ({@code launching}) until it is published, so a round ends once ({@code roundEnded}),
 * decided by the thread that finds no model left and nothing in flight.
 *
 * <h2>One timer</h2>
 *
 * A request keeps at most one task on the scheduler ({@link RequestTimer}), due at the earliest of
 * its deadline and the timeouts of its attempts in flight; an attempt arms it once its provider
 * call has returned still unanswered, and between rounds it holds the deadline. An attempt's
 * timeout is cut to the deadline when less is left, so a {@code TIMEOUT} reported once the deadline
 * has passed is taken as the deadline, which cancels the attempt rather than blaming the model.
 */
abstract class FailoverExecution<T> extends RouteExecution<T> {
  // guarded by this object's monitor
  private List<Candidate> plan;
  private int round;
  private int index;
  private int attemptsThisRound;
  private int minContextWindow;
  private boolean probedEarly;
  private boolean roundEnded;
  private RoundTally tally;
  /** Attempts in flight: one, or two while a hedge races the primary. */
  private AttemptRun active0;
  private AttemptRun active1;
  /** Attempts admitted and not yet published: in flight for the round's end and for hedging. */
  private int launching;
  private RequestTimer timer;
  /** Failsafe's rounds after the first; created when the first round ends without an answer. */
  private RetryState<T> retrying;

  FailoverExecution(RoutingContext ctx, RouteHints hints, String requestId, long estimatedPromptTokens,
      long windowTokens, long outputTokens) {
    super(ctx, hints, requestId, estimatedPromptTokens, windowTokens, outputTokens);
  }

  /** The models to try, best first, before the permanent checks drop those that could never serve. */
  abstract List<Candidate> plan();

  /** Starts the provider call of one attempt; reports its end to {@code attempt}. */
  abstract void call(ModelHealth model, CallOptions options, AttemptRun attempt);

  /**
   * The usage of an answer whose provider reported none, estimated: the prompt's estimate and the
   * answer's characters ÷ 4 (at least a token a delivered chunk, for streams).
   */
  abstract Usage estimatedUsage(Object payload);

  /** Builds the successful result from the answer and emits {@code RequestSucceeded}. */
  abstract T succeed(ModelHealth model, Object payload, Money cost);

  /**
   * Follows an attempt's provider call: a call that ends with the attempt is cancelled, an answer
   * goes to {@code answered}, a failure to the attempt. A call answered already (a cache, a stub)
   * is settled at once, without a callback.
   */
  final <R> void follow(AttemptRun attempt, CompletableFuture<R> call, BiConsumer<AttemptRun, R> answered) {
    if (call.isDone() && !call.isCompletedExceptionally()) {
      answered.accept(attempt, call.join());
      return;
    }
    attempt.cancelCall = () -> call.cancel(true);
    if (attempt.isSettled()) {
      call.cancel(true);
    }
    call.whenComplete((answer, error) -> {
      if (error == null) {
        answered.accept(attempt, answer);
      } else {
        attempt.failed(CompletionExecution.classify(error));
      }
    });
  }

  /** The request's {@code RequestSucceeded} event, if anyone listens. */
  final void emitSucceeded(ModelHealth model, Duration latency, Money cost) {
    if (ctx.listening()) {
      ctx.emit(new RouterEvent.RequestSucceeded(requestId, model.id(), attempts(), latency, cost));
    }
  }

  /** The hedging settings for this request, or {@code null} when it is never hedged. */
  HedgingConfig hedging() {
    return null;
  }

  /** Records an answered call's latency; streams record time to first chunk separately. */
  void recordSuccessLatency(ModelHealth model, long latencyNanos) {
    model.recordSuccess(latencyNanos);
  }

  /** Whether the caller has already seen part of this attempt's answer (a committed stream). */
  boolean committed(AttemptRun attempt) {
    return false;
  }

  /** How a committed attempt's failure ends the request; only called when {@link #committed}. */
  RouterException interrupted(AttemptRun attempt, ProviderException failure) {
    throw new IllegalStateException("only a committed stream is interrupted");
  }

  /** What a failed attempt was billed (a committed stream's tokens), or {@code null} when nothing. */
  Usage billedOnFailure(AttemptRun attempt) {
    return null;
  }

  final void start() {
    ctx.retryBudget.recordRequest();
    List<Candidate> planned;
    try {
      planned = plan();
    } catch (RuntimeException e) {
      fail(new AllModelsFailedException(requestId, "the selection strategy failed: " + e.getClass().getSimpleName()
          + (e.getMessage() == null ? "" : " " + e.getMessage()), List.of(), null, false, null, null));
      return;
    }
    List<Candidate> fit = Servability.fit(planned, windowTokens, estimatedPromptTokens, outputTokens,
        hints.maxCost());
    if (fit.isEmpty()) {
      // the caller's error: no attempt, no retry round, no deferral that would only replay it for nothing
      fail(Servability.noModelLeft(requestId, hints, planned, windowTokens, estimatedPromptTokens, outputTokens));
      return;
    }
    if (fit != planned && ctx.listening()) {
      reportUnfit(planned);
    }
    synchronized (this) {
      plan = fit;
      beginRound(null);
    }
    next();
  }

  /** The planned models left out as unfit, each reported skipped once. */
  private void reportUnfit(List<Candidate> planned) {
    for (Candidate unfit : planned) {
      SkipReason why = Servability.unfit(unfit.spec(), windowTokens, estimatedPromptTokens, outputTokens,
          hints.maxCost());
      if (why != null) {
        ctx.emit(new RouterEvent.ModelSkipped(requestId, unfit.id(), why));
      }
    }
  }

  /** Holding the monitor. {@code awaitedBy}: what Failsafe awaits for a retry round, {@code null} for the first. */
  private void beginRound(CompletableFuture<T> awaitedBy) {
    round++;
    index = 0;
    attemptsThisRound = 0;
    roundEnded = false;
    if (tally != null) {
      tally.reset();
    }
    if (retrying != null) {
      retrying.awaited = awaitedBy;
    }
  }

  /** A retry round, as Failsafe runs it. */
  private CompletableFuture<T> runRetryRound() {
    CompletableFuture<T> thisRound = new CompletableFuture<>();
    synchronized (this) {
      if (!running()) {
        return CompletableFuture.failedFuture(new CancellationException("the request has ended"));
      }
      beginRound(thisRound);
    }
    next();
    return thisRound;
  }

  /** Calls the next admissible model of the plan, or ends the round. */
  private void next() {
    if (!startNextAttempt(false)) {
      endRound();
    }
  }

  /**
   * Starts a call to the next admissible model of the plan. Returns {@code false} when none is left,
   * so the caller decides what that means: the end of a round, or no hedge.
   */
  private boolean startNextAttempt(boolean hedge) {
    AttemptRun run = null;
    List<RouterEvent> skips = null;
    synchronized (this) {
      if (!running() || roundEnded) {
        return true;
      }
      long now = ctx.ticker.nanoTime();
      while (index < plan.size()) {
        ModelHealth model = (ModelHealth) plan.get(index++);
        ModelAdmission verdict = ctx.fleet.admit(model, now, estimatedPromptTokens, outputTokens, minContextWindow,
            hints);
        if (verdict.admitted()) {
          attemptNumber++;
          attemptsThisRound++;
          long timeout = Math.max(1, Math.min(ctx.settings.attemptTimeout().toNanos(), deadlineNanos - now));
          run = new AttemptRun(this, model, verdict, attemptNumber, round, now, timeout);
          launching++;
          break;
        }
        tally().skipped(verdict);
        if (ctx.listening()) {
          skips = skips == null ? new ArrayList<>(2) : skips;
          skips.add(new RouterEvent.ModelSkipped(requestId, model.id(), verdict.reason()));
        }
      }
    }
    if (skips != null) {
      skips.forEach(ctx::emit);
    }
    if (run == null) {
      return false;
    }
    run.launch(hedge);
    return true;
  }

  /**
   * Publishes an announced attempt to the attempts in flight, if the request still runs; see
   * {@link RouteExecution} invariant 3. Either way it no longer counts as launching.
   */
  final synchronized boolean publish(AttemptRun run) {
    launching--;
    if (!running()) {
      return false;
    }
    if (active0 == null) {
      active0 = run;
    } else {
      active1 = run;
    }
    return true;
  }

  /** An attempt's call returned without its outcome: the timer watches its timeout. */
  final synchronized void callPending() {
    if (running()) {
      armTimer(ctx.ticker.nanoTime());
    }
  }

  /** The same request on the next admissible model, racing {@code primary}; see {@link HedgingConfig}. */
  final void hedge(AttemptRun primary) {
    synchronized (this) {
      if (!running() || roundEnded || primary.isSettled() || activeCount() != 1) {
        return;
      }
    }
    if (ctx.hedgeBudget.tryRetry()) {
      startNextAttempt(true);
    }
  }

  /** The current round's tally, created on first use; holding the monitor. */
  private RoundTally tally() {
    if (tally == null) {
      tally = new RoundTally();
    }
    return tally;
  }

  /** Every model of the round was tried or skipped and no attempt is in flight: what follows. */
  private void endRound() {
    RetryRounds.RoundFailure outcome = null;
    RouterException terminal = null;
    String allFailed = null;
    boolean probeAgain = false;
    synchronized (this) {
      if (!running() || roundEnded || activeCount() != 0) {
        return; // a hedge still in flight decides the round when it ends
      }
      RoundTally seen = tally();
      long now = ctx.ticker.nanoTime();
      boolean mayProbe = ctx.settings.allOpenPolicy() == AllOpenPolicy.PROBE_EARLIEST && !probedEarly;
      if (attemptsThisRound == 0 && seen.onlyOpenCircuits() && mayProbe) {
        probedEarly = true;
        probeAgain = ctx.fleet.halfOpenEarliest(plan);
        index = 0;
      }
      if (!probeAgain) {
        roundEnded = true;
        if (attemptsThisRound == 0 && seen.budgetRejected()) {
          terminal = new BudgetExceededException(requestId, snapshotTrail());
        } else if (attemptsThisRound == 0 && seen.onlyRateLimited()) {
          outcome = new RetryRounds.HeldBack(round, deadlineNanos - now, seen.earliestWaitNanos());
        } else if (attemptsThisRound > 0) {
          outcome = new RetryRounds.Failed(round, deadlineNanos - now,
              mayProbe ? 0 : ctx.fleet.nanosUntilAnyAdmissible(plan, now));
        } else {
          allFailed = seen.describe();
        }
        if (outcome != null) {
          armTimer(now); // no attempt in flight until the next round: the timer keeps the deadline
        }
      }
    }
    if (probeAgain) {
      next();
    } else if (terminal != null) {
      fail(terminal);
    } else if (allFailed != null) {
      endAllFailed(allFailed);
    } else {
      roundOver(outcome);
    }
  }

  /** A round ended without an answer and another may follow: the retry policies decide. */
  private void roundOver(RetryRounds.RoundFailure outcome) {
    CompletableFuture<T> awaiting;
    synchronized (this) {
      awaiting = retrying == null ? null : retrying.awaited;
      if (retrying != null) {
        retrying.awaited = null;
      }
    }
    if (awaiting != null) {
      awaiting.completeExceptionally(outcome);
      return;
    }
    RetryState<T> state = new RetryState<>();
    synchronized (this) {
      retrying = state;
    }
    CompletableFuture<T> all = ctx.rounds.takeOver(outcome, this::runRetryRound);
    synchronized (this) {
      state.rounds = all;
    }
    if (!running()) {
      all.cancel(false); // ended while Failsafe took over; the end may have missed it
      return;
    }
    all.whenComplete((ignored, error) -> roundsGaveUp(error));
  }

  /** Failsafe stopped retrying: the last round's outcome ends the request. */
  private void roundsGaveUp(Throwable error) {
    Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    if (cause instanceof RetryRounds.HeldBack) {
      String seen;
      synchronized (this) {
        seen = tally().describe();
      }
      endAllFailed(seen);
    } else if (cause instanceof RetryRounds.Failed failed) {
      endAllFailed(failed.abortReason != null ? failed.abortReason : "every model failed in " + failed.round
          + " round(s)");
    } else if (cause instanceof RouterException routerException) {
      fail(routerException);
    } else if (cause != null && !(cause instanceof CancellationException)) {
      endAllFailed("internal error: " + cause);
    }
  }

  /** An attempt answered: the request's end, if nothing ended it first. */
  final void attemptAnswered(AttemptRun run, Object payload, Usage usage) {
    long latency = ctx.ticker.nanoTime() - run.startedNanos;
    boolean won = claim(ANSWERED);
    Money cost = usage != null ? run.recordAnswer(usage, latency, false)
        : run.recordAnswer(estimatedUsage(payload), latency, true);
    synchronized (this) {
      removeActive(run);
      if (won) {
        addToTrail(Attempt.succeeded(run.model.id(), run.round, Duration.ofNanos(latency)));
      }
    }
    if (won) {
      future.settle(succeed(run.model, payload, cost));
      endRemaining("another model answered first", run);
    }
  }

  /** An attempt failed (or was cancelled): record it, then fail over, wait for a hedge, or end. */
  final void attemptFailed(AttemptRun run, ProviderException failure) {
    Attempt record = run.recordFailure(failure, billedOnFailure(run));
    RouterException terminal;
    boolean proceed;
    synchronized (this) {
      removeActive(run);
      if (!running()) {
        return;
      }
      addFailure(record, failure);
      terminal = terminalFailure(run, failure);
      proceed = terminal == null && activeCount() == 0;
    }
    if (terminal != null) {
      fail(terminal);
    } else if (proceed) {
      next();
    }
  }

  /** Holding the monitor: how {@code failure} ends the request, or {@code null} when another model may answer. */
  private RouterException terminalFailure(AttemptRun run, ProviderException failure) {
    FailureKind kind = failure.kind();
    if (committed(run)) {
      return interrupted(run, failure);
    }
    if (kind == FailureKind.CONTEXT_TOO_LONG) {
      minContextWindow = Math.max(minContextWindow, run.model.spec().contextWindow());
      return largerWindowPlanned() ? null : rejected(run.model, failure);
    }
    // a 401 isolates its provider, a provider's own cancel is taken as an outage; unknown kinds go by their flag
    if (kind == FailureKind.UNAUTHORIZED || kind == FailureKind.CANCELLED || kind.allowsFailover()) {
      return null;
    }
    return rejected(run.model, failure);
  }

  /** Whether a planned model, at any position and so in any round or in flight, has a larger window. */
  private boolean largerWindowPlanned() {
    for (int i = 0; i < plan.size(); i++) {
      if (plan.get(i).spec().contextWindow() > minContextWindow) {
        return true;
      }
    }
    return false;
  }

  private void endAllFailed(String reason) {
    if (claim(FAILED)) {
      failed(allFailed(reason), "the request has ended");
    }
  }

  private synchronized AllModelsFailedException allFailed(String reason) {
    long now = ctx.ticker.nanoTime();
    long wait = ctx.fleet.nanosUntilFirstRecovery(plan, now);
    if (tally != null && tally.earliestWaitNanos() > 0) {
      wait = Math.min(wait, tally.earliestWaitNanos());
    }
    Duration retryAfter = wait == Long.MAX_VALUE ? ctx.settings.retry().initialBackoff() : Duration.ofNanos(wait);
    boolean rateLimited = attemptsThisRound == 0 && tally != null && tally.onlyRateLimited();
    return withFailures(new AllModelsFailedException(requestId, reason, snapshotTrail(), retryAfter, rateLimited,
        null, null));
  }

  /** After the winner acted: the timer, Failsafe's rounds and every other attempt in flight end. */
  @Override
  final void endRemaining(String why, AttemptRun winner) {
    Scheduler.Cancellable scheduled = Scheduler.Cancellable.DONE;
    CompletableFuture<T> all;
    AttemptRun other0;
    AttemptRun other1;
    synchronized (this) {
      if (timer != null) {
        scheduled = timer.disarm();
      }
      all = retrying == null ? null : retrying.rounds;
      other0 = active0;
      other1 = active1;
    }
    scheduled.cancel();
    if (all != null) {
      all.cancel(false);
    }
    cancelOther(other0, winner, why);
    cancelOther(other1, winner, why);
  }

  private static void cancelOther(AttemptRun other, AttemptRun winner, String why) {
    if (other != null && other != winner) {
      // lost to an answer (a hedge's other leg): its time still counts as a latency sample
      if (winner != null) {
        other.abandon(why);
      } else {
        other.cancel(why);
      }
    }
  }

  /** Holding the monitor: arms the timer for the deadline or the earliest armed attempt timeout. */
  private void armTimer(long now) {
    if (timer == null) {
      timer = new RequestTimer(this, ctx.scheduler);
    }
    timer.arm(deadlineNanos, active0, active1, now);
  }

  /** The request's timer fired: the deadline, an attempt's timeout, or nothing yet (re-armed). */
  final void onTimer() {
    long now = ctx.ticker.nanoTime();
    AttemptRun late0 = null;
    AttemptRun late1 = null;
    boolean deadlineDue;
    synchronized (this) {
      timer.fired(now);
      if (!running()) {
        return;
      }
      deadlineDue = now - deadlineNanos >= 0;
      if (!deadlineDue) {
        late0 = active0 != null && active0.timeoutPassed(now) ? active0 : null;
        late1 = active1 != null && active1.timeoutPassed(now) ? active1 : null;
      }
    }
    if (deadlineDue) {
      onDeadline();
      return;
    }
    if (late0 != null) {
      late0.timedOut();
    }
    if (late1 != null) {
      late1.timedOut();
    }
    synchronized (this) {
      if (running()) {
        armTimer(ctx.ticker.nanoTime());
      }
    }
  }

  /** Holding the monitor. */
  private int activeCount() {
    return (active0 == null ? 0 : 1) + (active1 == null ? 0 : 1) + launching;
  }

  /** Holding the monitor; keeps the one left, if any, in {@code active0}. */
  private void removeActive(AttemptRun run) {
    if (active1 == run) {
      active1 = null;
    } else if (active0 == run) {
      active0 = active1;
      active1 = null;
    }
  }

  /** What Failsafe has of the request: its future, and the round it awaits. Guarded by the monitor. */
  private static final class RetryState<T> {
    CompletableFuture<T> rounds;
    CompletableFuture<T> awaited;
  }
}
