package dev.sheepdog.core;

import dev.sheepdog.spi.ChatRequest;
import dev.sheepdog.spi.ProviderException;
import dev.sheepdog.spi.RouteHints;
import dev.sheepdog.spi.RouterEvent;
import dev.sheepdog.spi.RouterException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One request, from the moment it is routed to its one end. How it gets there — the walk through
 * the plan, rounds, attempts, hedges, the timer — is {@link FailoverExecution}'s; this class owns
 * the end itself.
 *
 * <h2>State machine</h2>
 *
 * <pre>
 *            ┌─ an attempt answers ─────────────────────────────▶ ANSWERED
 *   RUNNING ─┼─ rejected, not servable, budget, all models failed
 *            │  (then deferred if allowed), deadline ───────────▶ FAILED
 *            └─ the caller cancels or completes the future ────▶ ENDED_BY_CALLER
 * </pre>
 *
 * Every way a request can end first wins one CAS on {@code state}, from {@code RUNNING} to its
 * terminal state ({@link #claim}). Invariants:
 *
 * <ol>
 *   <li>The state leaves {@code RUNNING} once. Only the winner acts on the request's end: it
 *       offers the request to the deferred queue, emits {@code RequestSucceeded} or {@code
 *       RequestFailed} (and {@code RequestDeferred}), completes the future, and then ends what is
 *       left ({@link #endRemaining}): the timer, Failsafe's rounds, the attempts in flight. So a
 *       deferred id is stored before the caller can hear anything else, and an answer racing the
 *       deadline produces one end, never two.
 *   <li>Losers only settle their own attempt ({@link AttemptRun}): every attempt records its
 *       outcome exactly once, whatever the request's state, so every {@code AttemptStarted} has
 *       one {@code AttemptSucceeded} or {@code AttemptFailed}, every reservation is settled once
 *       and what a provider billed is charged once.
 *   <li>No provider is called once the state is terminal: an attempt is published to the attempts
 *       in flight under this object's monitor, only while {@code RUNNING}; the winner reads them
 *       under the same monitor after its CAS, so it cancels every attempt published before, and one
 *       that finds the request ended cancels itself without calling.
 *   <li>The trail records what happened while the request ran, and the winner's own attempt: an
 *       attempt that ends after the claim is not added, so a failure's trail never shows an answer.
 * </ol>
 *
 * Events, provider calls and the future's completion happen outside the monitor: they may re-enter.
 */
abstract class RouteExecution<T> {
  static final int RUNNING = 0;
  static final int ANSWERED = 1;
  static final int FAILED = 2;
  static final int ENDED_BY_CALLER = 3;

  private static final VarHandle STATE;
  private static final Attempt[] NO_ATTEMPTS = {};

  static {
    try {
      STATE = MethodHandles.lookup().findVarHandle(RouteExecution.class, "state", int.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  final RoutingContext ctx;
  final RouteHints hints;
  final String requestId;
  final long startNanos;
  final long deadlineNanos;
  /** The input tokens, estimated: what rate limits reserve and cost estimates price. */
  final long estimatedPromptTokens;
  /**
   * The tokens a model's context window must hold: the prompt, or for a batch of embedding inputs
   * the largest input.
   */
  final long windowTokens;
  /** The output cap times the choices asked for ({@link ChatRequest#expectedOutputTokens()}); 0 for embeddings. */
  final long outputTokens;
  final ExecutionFuture<T> future = new ExecutionFuture<>(this);
  private volatile int state;

  // guarded by this object's monitor
  /** Attempts started so far, counting from 1 across the whole request. */
  int attemptNumber;
  /** The trail: the first attempt in its own field (most requests make one), the rest after it. */
  private Attempt firstAttempt;
  private Attempt[] laterAttempts = NO_ATTEMPTS;
  private int trailSize;
  /** The providers' failures, kept for the final exception; created on the first. */
  private List<ProviderException> failures;

  RouteExecution(RoutingContext ctx, RouteHints hints, String requestId, long estimatedPromptTokens,
      long windowTokens, long outputTokens) {
    this.ctx = ctx;
    this.hints = hints;
    this.requestId = requestId;
    this.startNanos = ctx.ticker.nanoTime();
    this.deadlineNanos = startNanos + deadline().toNanos();
    this.estimatedPromptTokens = estimatedPromptTokens;
    this.windowTokens = windowTokens;
    this.outputTokens = outputTokens;
  }

  /**
   * A request that failed everywhere, offered to the deferred queue when it can be replayed: what
   * its caller gets, with the deferred id or why it was not parked. Only chat requests are deferred.
   */
  AllModelsFailedException deferred(AllModelsFailedException failure) {
    return failure.withDeferral(null, "only chat requests are deferred");
  }

  /** Tokens reserved in a model's limiter per attempt: the prompt estimate plus the output estimate. */
  final long reservedTokens() {
    return estimatedPromptTokens + outputTokens;
  }

  /** Delivers the final failure to whoever besides the future hears it (a stream's listener). */
  abstract void deliverFailure(RouterException failure);

  /**
   * After the winner acted: ends what is left of the request, {@code why} it ended; {@code winner}
   * is the attempt that answered, if one did.
   */
  abstract void endRemaining(String why, AttemptRun winner);

  /** Claims the request's end for {@code to}; whether this call won. */
  final boolean claim(int to) {
    return STATE.compareAndSet(this, RUNNING, to);
  }

  final boolean running() {
    return state == RUNNING;
  }

  /** The caller's cancel or completion claims the request's end; see {@link ExecutionFuture}. */
  final boolean claimForCaller() {
    return claim(ENDED_BY_CALLER);
  }

  /** After the caller's claim won and the future completed: the event, and what is left to end. */
  final void endedByCaller(String why) {
    if (ctx.listening()) {
      ctx.emit(new RouterEvent.RequestFailed(requestId, attempts(), elapsed(), why));
    }
    endRemaining(why, null);
  }

  final void fail(RouterException failure) {
    if (claim(FAILED)) {
      failed(failure, "the request has ended");
    }
  }

  final void onDeadline() {
    if (claim(FAILED)) {
      failed(new DeadlineExceededException(requestId, deadline(), snapshotTrail()), "the request's deadline passed");
    }
  }

  /** Whether the deadline has passed while the request still runs. */
  final boolean deadlinePassed() {
    return state == RUNNING && ctx.ticker.nanoTime() - deadlineNanos >= 0;
  }

  /**
   * What the winner of a {@code FAILED} claim does: deferral first, so the id exists before anyone
   * hears of the end; then the event, the listener, the future, and what is left.
   */
  final void failed(RouterException failure, String why) {
    RouterException delivered = failure;
    if (failure instanceof AllModelsFailedException allFailed && hints.allowDeferral()) {
      delivered = deferred(allFailed);
    }
    if (ctx.listening()) {
      ctx.emit(new RouterEvent.RequestFailed(requestId, attempts(), elapsed(), delivered.getMessage()));
    }
    deliverFailure(delivered);
    future.settleExceptionally(delivered);
    endRemaining(why, null);
  }

  /** The request refused by {@code model}: another model would refuse it too. */
  final RequestRejectedException rejected(ModelHealth model, ProviderException failure) {
    RequestRejectedException e = new RequestRejectedException(requestId, model.id(), failure.kind(),
        failure.httpStatus(), failure.providerMessage(), snapshotTrail());
    e.addSuppressed(failure);
    return e;
  }

  /** Holding the monitor: a failed attempt, while the request runs. */
  final void addFailure(Attempt attempt, ProviderException failure) {
    addToTrail(attempt);
    if (failures == null) {
      failures = new ArrayList<>(4);
    }
    failures.add(failure);
  }

  /** Holding the monitor: the providers' failures, as suppressed exceptions of {@code e}. */
  final <E extends RouterException> E withFailures(E e) {
    if (failures != null) {
      failures.forEach(e::addSuppressed);
    }
    return e;
  }

  /** Holding the monitor. */
  final void addToTrail(Attempt attempt) {
    if (trailSize == 0) {
      firstAttempt = attempt;
    } else {
      if (trailSize - 1 == laterAttempts.length) {
        laterAttempts = Arrays.copyOf(laterAttempts, Math.max(2, laterAttempts.length * 2));
      }
      laterAttempts[trailSize - 1] = attempt;
    }
    trailSize++;
  }

  final synchronized List<Attempt> snapshotTrail() {
    if (trailSize <= 1) {
      return trailSize == 0 ? List.of() : List.of(firstAttempt);
    }
    Attempt[] all = new Attempt[trailSize];
    all[0] = firstAttempt;
    System.arraycopy(laterAttempts, 0, all, 1, trailSize - 1);
    return List.of(all);
  }

  /** The request's deadline: its hints', else the router's. */
  final Duration deadline() {
    return hints.deadline() != null ? hints.deadline() : ctx.settings.deadline();
  }

  final Duration elapsed() {
    return Duration.ofNanos(ctx.ticker.nanoTime() - startNanos);
  }

  final synchronized int attempts() {
    return attemptNumber;
  }
}
