package dev.sheepdog.core;

import dev.sheepdog.core.limit.Admission;
import dev.sheepdog.spi.CallOptions;
import dev.sheepdog.spi.Candidate;
import dev.sheepdog.spi.ChatRequest;
import dev.sheepdog.spi.FailureKind;
import dev.sheepdog.spi.Money;
import dev.sheepdog.spi.ProviderException;
import dev.sheepdog.spi.RouteHints;
import dev.sheepdog.spi.RouterEvent;
import dev.sheepdog.spi.RouterException;
import dev.sheepdog.spi.Scheduler;
import dev.sheepdog.spi.SkipReason;
import java.time.Duration;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * One request on its way through the plan.
 *
 * <h2>Flow</h2>
 *
 * Before the first round, a request that no planned model could ever take (prompt beyond every
 * context window, cost above its own cap everywhere, reservation above every tokens-per-minute
 * limit; see {@link Servability}) ends with a {@link RequestNotServableException}, never retried
 * or deferred. A round walks the plan in order: each model is admitted (provider, context window, cost cap,
 * 429 cool-down, circuit) or skipped, and the first admitted one is called. A transient failure
 * moves on to the next model at once; a failure that another model would repeat ends the request.
 * When a round runs out of models it ends with a {@link RoundFailed} that says whether another
 * round may follow and after how long. The first round runs directly on the caller's thread; only
 * when another round is due does Failsafe's retry policy take over and run the rounds that follow
 * on the router's scheduler, so a request answered in its first round never touches Failsafe.
 *
 * <h2>One timer</h2>
 *
 * A request keeps at most one task on the scheduler: it is due at the earliest of the request's
 * deadline and the timeouts of the attempts in flight. Due times only move later (an attempt's
 * timeout never passes the deadline, and each later attempt starts later), so the timer is armed
 * when none is, and a firing that finds nothing due re-arms it for what is due next. When the
 * deadline and an attempt's timeout fall together, the deadline wins, as it did with separate
 * timers. The request's end cancels the timer. An attempt arms the timer once its provider call
 * has returned still unanswered: providers never block (their contract), so the due time is the
 * same, and an answer already there when the call returns (a cache, a stub) costs no timer at all.
 * Between rounds, with no attempt in flight, the timer holds the deadline. An attempt's timeout
 * is cut to the deadline when less is left, so a provider honouring it times out at the deadline
 * itself, maybe before the timer fires: a {@code TIMEOUT} reported once the deadline has passed
 * is taken as the deadline, which cancels the attempt rather than blaming the model.
 *
 * <h2>Concurrency</h2>
 *
 * Steps are triggered by the caller's thread, provider callbacks and timers, but never overlap:
 * one call is in flight at a time, and each attempt is settled exactly once (a CAS decides between
 * its answer and its timeout). State is guarded by this object's monitor for visibility across
 * those threads; provider calls and listener callbacks happen outside it where they could
 * re-enter.
 */
abstract class RouteExecution<T> {
  private static final Attempt[] NO_ATTEMPTS = {};

  final Router router;
  final ChatRequest request;
  final RouteHints hints;
  final String requestId;
  final long startNanos;
  final long deadlineNanos;
  final long estimatedPromptTokens;
  /** The output cap times the choices asked for ({@link ChatRequest#expectedOutputTokens()}). */
  final long outputTokens;
  /** Tokens reserved in a model's limiter per attempt: the prompt estimate plus the output estimate. */
  final long reservedTokens;
  final CompletableFuture<T> result = new ExecutionFuture<>(this);

  /** The attempts so far: the first in its own field (most requests make one), the rest after it. */
  private Attempt firstAttempt;
  private Attempt[] laterAttempts = NO_ATTEMPTS;
  private int trailSize;
  /** The providers' failures, kept for the final exception; created on the first. */
  private List<ProviderException> failures;
  private List<Candidate> plan;
  private int round;
  private int index;
  private int attemptsThisRound;
  private int attemptNumber;
  private long minContextWindow;
  private boolean probedEarly;
  /** What the current round saw; created on its first skip, as most rounds skip nothing. */
  private RoundStatus status;
  /** The current round has its outcome (an answer, or how it failed). */
  private boolean roundOver;
  /** What Failsafe awaits for a retry round; {@code null} in the first round, which it never sees. */
  private CompletableFuture<T> retryRound;
  /** Attempts in flight: one, or two while a hedge races the primary. */
  private AttemptRun active0;
  private AttemptRun active1;
  /** The request's one scheduled task, and when it is due; see "One timer" above. */
  private Scheduler.Cancellable timer = Scheduler.Cancellable.DONE;
  private boolean timerArmed;
  private long timerDueNanos;
  private volatile CompletableFuture<T> rounds;
  private volatile boolean deadlinePassed;

  RouteExecution(Router router, ChatRequest request, RouteHints hints, String requestId) {
    this.router = router;
    this.request = request;
    this.hints = hints;
    this.requestId = requestId;
    this.startNanos = router.ticker.nanoTime();
    this.deadlineNanos = startNanos + deadline().toNanos();
    this.estimatedPromptTokens = router.estimator.estimatePromptTokens(request);
    this.outputTokens = request.expectedOutputTokens();
    this.reservedTokens = estimatedPromptTokens + outputTokens;
  }

  /** Starts the provider call of one attempt; reports its end to {@code attempt}. */
  abstract void call(ModelHealth model, CallOptions options, AttemptRun attempt);

  /** Builds the successful result from the attempt's payload. */
  abstract T succeed(ModelHealth model, Object payload, Money cost);

  /** Delivers the final failure (the future, or the stream listener). */
  abstract void deliverFailure(RouterException failure);

  final void start() {
    router.retryBudget.recordRequest();
    try {
      synchronized (this) {
        plan = router.plan(request, hints, estimatedPromptTokens);
      }
    } catch (RuntimeException e) {
      fail(new AllModelsFailedException(requestId, "the selection strategy failed: " + e.getClass().getSimpleName()
          + (e.getMessage() == null ? "" : " " + e.getMessage()), List.of(), null, false, null, null));
      return;
    }
    if (plan.isEmpty()) {
      fail(new AllModelsFailedException(requestId, "no model is planned for " + hints.task() + ":"
          + hints.priority().wireName() + (hints.pinned().isEmpty() ? "" : " and " + hints.pinned()), List.of(),
          null, false, null, null));
      return;
    }
    // A request no planned model could ever take fails now, as the caller's error: no attempt, no
    // retry round, no deferral that would only replay it for nothing.
    RequestNotServableException unservable = Servability.check(requestId, plan, estimatedPromptTokens, outputTokens,
        hints.maxCost());
    if (unservable != null) {
      fail(unservable);
      return;
    }
    if (startRound(null)) {
      next();
    }
  }

  /**
   * Begins a pass over the plan; {@code awaitedBy} is the future Failsafe waits on for a retry
   * round, {@code null} for the first. Returns {@code false} if the request is already over.
   */
  private boolean startRound(CompletableFuture<T> awaitedBy) {
    synchronized (this) {
      if (result.isDone()) {
        return false;
      }
      round++;
      index = 0;
      attemptsThisRound = 0;
      if (status != null) {
        status.reset();
      }
      roundOver = false;
      retryRound = awaitedBy;
    }
    return true;
  }

  /** A retry round, as Failsafe runs it. */
  private CompletableFuture<T> runRetryRound() {
    CompletableFuture<T> thisRound = new CompletableFuture<>();
    if (startRound(thisRound)) {
      next();
    } else {
      thisRound.cancel(false);
    }
    return thisRound;
  }

  /** The round ended without an answer: fail, or hand the rounds that follow to Failsafe. */
  private void roundFailed(RoundFailed outcome) {
    CompletableFuture<T> awaiting;
    synchronized (this) {
      if (roundOver) {
        return;
      }
      roundOver = true;
      awaiting = retryRound;
      if (outcome.retry && !result.isDone()) {
        // no attempt in flight until the next round: the timer keeps the deadline
        rearmTimer(router.ticker.nanoTime());
      }
    }
    if (awaiting != null) {
      awaiting.completeExceptionally(outcome);
    } else if (outcome.retry) {
      retryWithFailsafe(outcome);
    } else {
      fail(outcome.failure);
    }
  }

  /**
   * Hands the request's remaining rounds to Failsafe's retry policy. Its first execution returns
   * the first round's outcome, so the policy waits the delay that round asked for before it runs
   * the second one.
   */
  private void retryWithFailsafe(RoundFailed firstOutcome) {
    if (result.isDone()) {
      return;
    }
    AtomicBoolean firstReported = new AtomicBoolean();
    Supplier<CompletableFuture<T>> nextRound = () -> firstReported.compareAndSet(false, true)
        ? CompletableFuture.failedFuture(firstOutcome) : runRetryRound();
    @SuppressWarnings("unchecked")
    CompletableFuture<T> all = (CompletableFuture<T>) router.rounds.getStageAsync(nextRound::get);
    rounds = all;
    if (result.isDone()) {
      // ended while Failsafe took over; finished() may have missed it
      all.cancel(false);
      return;
    }
    all.whenComplete((value, error) -> {
      if (error == null) {
        result.complete(value);
      } else {
        Throwable cause = unwrap(error);
        if (cause instanceof RoundFailed failed) {
          fail(failed.failure);
        } else if (cause instanceof RouterException routerException) {
          fail(routerException);
        } else if (!(cause instanceof CancellationException)) {
          fail(new AllModelsFailedException(requestId, "internal error: " + cause, snapshotTrail(), null, false,
              null, null));
        }
      }
    });
  }

  /** Calls the next admissible model of the plan, or ends the round. */
  private void next() {
    if (!startNextAttempt(false)) {
      endRound();
    }
  }

  /**
   * Starts a call to the next admissible model of the plan. Returns {@code false} when none is
   * left (or the request is over), so the caller decides what that means: the end of a round, or
   * no hedge.
   */
  private boolean startNextAttempt(boolean hedge) {
    ModelHealth chosen = null;
    Object permit = null;
    AttemptRun attempt = null;
    synchronized (this) {
      if (result.isDone() || roundOver || deadlinePassed) {
        return true;
      }
      long now = router.ticker.nanoTime();
      while (index < plan.size()) {
        ModelHealth model = (ModelHealth) plan.get(index++);
        permit = admit(model, now);
        if (permit != null) {
          chosen = model;
          break;
        }
      }
      if (chosen != null) {
        attemptNumber++;
        attemptsThisRound++;
        long left = deadlineNanos - now;
        long timeout = Math.max(1, Math.min(router.settings.attemptTimeout().toNanos(), left));
        attempt = new AttemptRun(chosen, permit, attemptNumber, round, now, timeout);
        if (active0 == null) {
          active0 = attempt;
        } else {
          active1 = attempt;
        }
      }
    }
    if (attempt == null) {
      return false;
    }
    AttemptRun run = attempt;
    chosen.callStarted();
    if (router.listening()) {
      router.emit(() -> new RouterEvent.AttemptStarted(requestId, run.model.id(), run.number, run.round));
    }
    if (!hedge) {
      scheduleHedge(run);
    }
    Duration attemptTimeout = router.settings.attemptTimeout();
    Duration callTimeout = run.timeoutNanos() == attemptTimeout.toNanos() ? attemptTimeout
        : Duration.ofNanos(run.timeoutNanos());
    try {
      call(chosen, CallOptions.of(callTimeout, requestId), run);
    } catch (RuntimeException e) {
      run.failed(e instanceof ProviderException pe ? pe : ProviderException.of(FailureKind.UNAVAILABLE,
          "provider threw " + e.getClass().getSimpleName()));
    }
    if (!run.isSettled()) {
      synchronized (this) {
        if (!result.isDone()) {
          rearmTimer(router.ticker.nanoTime());
        }
      }
    }
    return true;
  }

  /** The hedging settings for this request, or {@code null} when it is never hedged. */
  HedgingConfig hedging() {
    return null;
  }

  /**
   * If the primary has not answered after the hedge delay (the model's current p95, or a fixed
   * delay), the same request starts on the next admissible model; the first answer wins.
   */
  private void scheduleHedge(AttemptRun primary) {
    HedgingConfig config = hedging();
    if (config == null) {
      return;
    }
    long delay = config.delay() != null ? config.delay().toNanos() : primary.model.p95LatencyNanos();
    if (delay <= 0 || delay >= primary.timeoutNanos()) {
      return;
    }
    primary.hedgeTimer = router.scheduler.schedule(() -> hedge(primary), delay, TimeUnit.NANOSECONDS);
  }

  private void hedge(AttemptRun primary) {
    synchronized (this) {
      if (primary.isSettled() || activeCount() != 1 || result.isDone() || roundOver) {
        return;
      }
    }
    if (router.hedgeBudget.tryRetry()) {
      startNextAttempt(true);
    }
  }

  /**
   * Returns the circuit permit if the model may be called now (its rate limiter has then reserved
   * a request slot and the estimated tokens), else records why not and returns null.
   */
  private Object admit(ModelHealth model, long now) {
    SkipReason reason = router.skipReason(model, now, estimatedPromptTokens, outputTokens, hints, minContextWindow,
        this);
    Object permit = null;
    if (reason == null) {
      permit = model.breaker().tryAcquire(now);
      if (permit == null) {
        reason = SkipReason.CIRCUIT_OPEN;
        roundStatus().waitFor(model.breaker().openUntilNanos() - now, false);
      } else {
        Admission admission = model.admit(reservedTokens);
        if (!admission.admitted()) {
          model.breaker().onNeutral(permit);
          permit = null;
          reason = admission.skipReason();
          roundStatus().waitFor(admission.waitNanos(), true);
        }
      }
    }
    if (reason != null) {
      roundStatus().skipped(reason);
      if (router.listening()) {
        SkipReason why = reason;
        router.emit(() -> new RouterEvent.ModelSkipped(requestId, model.id(), why));
      }
    }
    return permit;
  }

  /** The current round's status, created on first use; holding this object's monitor. */
  RoundStatus roundStatus() {
    if (status == null) {
      status = new RoundStatus();
    }
    return status;
  }

  /** Every model of the round was tried or skipped. */
  private void endRound() {
    RoundFailed outcome;
    boolean probeAgain = false;
    synchronized (this) {
      RoundStatus seen = roundStatus();
      if (result.isDone() || activeCount() != 0) {
        // a hedge still in flight decides the round when it ends
        return;
      }
      long now = router.ticker.nanoTime();
      long left = deadlineNanos - now;
      if (attemptsThisRound == 0 && seen.onlyOpenCircuits() && router.settings.allOpenPolicy() == AllOpenPolicy.PROBE_EARLIEST
          && !probedEarly) {
        probedEarly = true;
        probeAgain = router.halfOpenEarliest(plan);
        index = 0;
      }
      if (probeAgain) {
        outcome = null;
      } else if (attemptsThisRound == 0 && seen.budgetRejected) {
        outcome = RoundFailed.last(new BudgetExceededException(requestId, snapshotTrail()));
      } else if (attemptsThisRound == 0 && seen.onlyWaiting() && round < router.settings.retry().rounds()
          && seen.earliestWaitNanos < left) {
        // Every candidate is held back by a 429 or its rate limit: wait for the first to free up.
        outcome = RoundFailed.retryAfter(seen.earliestWaitNanos);
      } else if (attemptsThisRound > 0 && round < router.settings.retry().rounds()) {
        long delay = router.jitteredBackoff(round + 1);
        if (delay >= left) {
          outcome = RoundFailed.last(allFailed("no time left for another round before the deadline", now));
        } else if (!router.retryBudget.tryRetry()) {
          outcome = RoundFailed.last(allFailed("the retry budget is spent", now));
        } else {
          outcome = RoundFailed.retryAfter(delay);
        }
      } else {
        String reason = attemptsThisRound > 0 ? "every model failed in " + round + " round(s)" : seen.describe();
        outcome = RoundFailed.last(allFailed(reason, now));
      }
    }
    if (probeAgain) {
      next();
      return;
    }
    roundFailed(outcome);
  }

  private AllModelsFailedException allFailed(String reason, long now) {
    long wait = router.earliestAdmissionNanos(plan, now);
    Duration retryAfter = wait == Long.MAX_VALUE ? router.settings.retry().initialBackoff()
        : Duration.ofNanos(Math.max(wait, 0));
    AllModelsFailedException e = new AllModelsFailedException(requestId, reason, snapshotTrail(), retryAfter,
        attemptsThisRound == 0 && roundStatus().onlyWaiting() && roundStatus().rateLimited, null, null);
    if (failures != null) {
      failures.forEach(e::addSuppressed);
    }
    return e;
  }

  /** The end of one attempt: an answer or a failure, exactly once. */
  final class AttemptRun {
    final ModelHealth model;
    final Object permit;
    final int number;
    final int round;
    final long startedNanos;
    /** When the attempt times out, on the ticker's clock. */
    final long dueNanos;
    /** 1 once the attempt has its outcome; set by CAS, so exactly once. */
    private volatile int settled;
    /** 1 while the attempt's timeout may still fire; a stream's first chunk disarms it. */
    private volatile int armed = 1;
    volatile Scheduler.Cancellable hedgeTimer = Scheduler.Cancellable.DONE;
    /** Cancels the provider's call; {@code null} when there is nothing left to cancel. */
    volatile Runnable cancelCall;
    /** Lost to a hedge (or the primary a hedge raced): cancelled, its elapsed time still a sample. */
    volatile boolean abandoned;

    AttemptRun(ModelHealth model, Object permit, int number, int round, long startedNanos, long timeoutNanos) {
      this.model = model;
      this.permit = permit;
      this.number = number;
      this.round = round;
      this.startedNanos = startedNanos;
      this.dueNanos = startedNanos + timeoutNanos;
    }

    long timeoutNanos() {
      return dueNanos - startedNanos;
    }

    boolean isSettled() {
      return settled != 0;
    }

    /** Whether the attempt's timeout is armed and has passed at {@code now}. */
    boolean timeoutPassed(long now) {
      return armed != 0 && settled == 0 && now - dueNanos >= 0;
    }

    /**
     * Claims the attempt for a stream whose first chunk arrived: from now on only the request's
     * deadline can cut it. Fails if the attempt timer (or anything else) got there first, in which
     * case the chunk must be dropped.
     */
    boolean commitStream() {
      if (!ARMED.compareAndSet(this, 1, 0)) {
        return false;
      }
      hedgeTimer.cancel();
      return settled == 0;
    }

    void timedOut() {
      if (ARMED.compareAndSet(this, 1, 0)) {
        failed(ProviderException.of(FailureKind.TIMEOUT,
            "no answer within " + Duration.ofNanos(timeoutNanos()).toMillis() + " ms"));
      }
    }

    void succeeded(Object payload, dev.sheepdog.spi.Usage usage) {
      if (!SETTLED.compareAndSet(this, 0, 1)) {
        return;
      }
      hedgeTimer.cancel();
      long latency = router.ticker.nanoTime() - startedNanos;
      Money cost = usage == null ? Money.ZERO : model.spec().price().cost(usage);
      model.breaker().onSuccess(permit);
      recordSuccessLatency(model, latency);
      model.limiter().correct(reservedTokens, usage == null ? reservedTokens : usage.totalTokens());
      router.budget.record(model.id(), cost, hints);
      router.evaluateAlerts(model, true);
      Attempt attempt = Attempt.succeeded(model.id(), round, Duration.ofNanos(latency));
      AttemptRun loser;
      boolean answers;
      CompletableFuture<T> awaiting;
      synchronized (RouteExecution.this) {
        addToTrail(attempt);
        removeActive(this);
        loser = active0;
        answers = !roundOver;
        roundOver = true;
        awaiting = retryRound;
      }
      if (router.listening()) {
        router.emit(() -> new RouterEvent.AttemptSucceeded(requestId, model.id(), number, attempt.latency(),
            usage == null ? dev.sheepdog.spi.Usage.NONE : usage, cost));
      }
      if (loser != null) {
        // marked before the answer completes the request, whose end cancels whatever still runs
        loser.abandoned = true;
      }
      if (answers) {
        T value = succeed(model, payload, cost);
        if (value != null) {
          if (awaiting == null) {
            result.complete(value);
          } else {
            awaiting.complete(value);
          }
        }
      }
      if (loser != null) {
        loser.failed(new ProviderException(FailureKind.CANCELLED, 0, "another model answered first"));
      }
    }

    void failed(ProviderException failure) {
      if (failure.kind() == FailureKind.TIMEOUT && settled == 0 && !deadlinePassed
          && router.ticker.nanoTime() - deadlineNanos >= 0) {
        // the caller's deadline, reached first by the provider's timeout cut to it
        onDeadline();
        if (settled != 0) {
          return;
        }
      }
      if (!SETTLED.compareAndSet(this, 0, 1)) {
        return;
      }
      hedgeTimer.cancel();
      Runnable cancel = cancelCall;
      if (cancel != null) {
        cancel.run();
      }
      onFailure(this, failure);
    }
  }

  private static final VarHandle SETTLED;
  private static final VarHandle ARMED;

  static {
    try {
      MethodHandles.Lookup lookup = MethodHandles.lookup();
      SETTLED = lookup.findVarHandle(RouteExecution.AttemptRun.class, "settled", int.class);
      ARMED = lookup.findVarHandle(RouteExecution.AttemptRun.class, "armed", int.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /** Records a failed attempt and decides what follows. */
  void onFailure(AttemptRun attempt, ProviderException failure) {
    long now = router.ticker.nanoTime();
    FailureKind kind = failure.kind();
    ModelHealth model = attempt.model;
    if (attempt.abandoned) {
      model.recordAbandoned(now - attempt.startedNanos);
    } else {
      model.recordFailure(kind, now - attempt.startedNanos);
    }
    model.limiter().release(reservedTokens);
    if (kind.countsAgainstCircuit()) {
      model.breaker().onFailure(attempt.permit, now);
    } else {
      model.breaker().onNeutral(attempt.permit);
    }
    router.evaluateAlerts(model, false);
    Duration latency = Duration.ofNanos(now - attempt.startedNanos);
    Attempt record = new Attempt(model.id(), attempt.round, kind, failure.httpStatus(), latency,
        failure.providerMessage());
    RouterException terminal = null;
    boolean othersInFlight;
    synchronized (this) {
      removeActive(attempt);
      othersInFlight = activeCount() != 0;
      addToTrail(record);
      if (failures == null) {
        failures = new ArrayList<>(4);
      }
      failures.add(failure);
      if (result.isDone() || roundOver) {
        return;
      }
      switch (kind) {
        case RATE_LIMITED -> {
          Duration wait = failure.retryAfter().orElse(router.settings.defaultRetryAfter());
          Duration max = router.settings.retry().maxRetryAfter();
          model.coolDownUntil(now + (wait.compareTo(max) > 0 ? max : wait).toNanos());
        }
        case UNAUTHORIZED -> router.isolateProvider(model.spec().provider(), now, failure);
        case BAD_REQUEST, CONTENT_FILTERED -> terminal = rejected(model, failure);
        case CONTEXT_TOO_LONG -> {
          minContextWindow = Math.max(minContextWindow, model.spec().contextWindow());
          if (!largerWindowAhead()) {
            terminal = rejected(model, failure);
          }
        }
        default -> { }
      }
    }
    if (router.listening()) {
      router.emit(() -> new RouterEvent.AttemptFailed(requestId, model.id(), attempt.number, kind,
          failure.httpStatus(), latency, failure.providerMessage()));
    }
    if (terminal != null) {
      fail(terminal);
      return;
    }
    if (!othersInFlight) {
      afterFailure(attempt, failure);
    }
  }

  /** Records an answered call's latency; streams record time to first chunk separately. */
  void recordSuccessLatency(ModelHealth model, long latencyNanos) {
    model.recordSuccess(latencyNanos);
  }

  /** What follows a failed attempt: by default the next model. Streams override once committed. */
  void afterFailure(AttemptRun attempt, ProviderException failure) {
    next();
  }

  private boolean largerWindowAhead() {
    for (int i = index; i < plan.size(); i++) {
      if (plan.get(i).spec().contextWindow() > minContextWindow) {
        return true;
      }
    }
    return false;
  }

  private RequestRejectedException rejected(ModelHealth model, ProviderException failure) {
    RequestRejectedException e = new RequestRejectedException(requestId, model.id(), failure.kind(),
        failure.httpStatus(), failure.providerMessage(), snapshotTrail());
    e.addSuppressed(failure);
    return e;
  }

  /** Ends the request with a failure, offering it for deferral when the hints allow. */
  final void fail(RouterException failure) {
    if (result.isDone()) {
      return;
    }
    RouterException delivered = failure;
    if (failure instanceof AllModelsFailedException allFailed && hints.allowDeferral()) {
      delivered = router.defer(this, allFailed);
    }
    Duration latency = Duration.ofNanos(router.ticker.nanoTime() - startNanos);
    RouterException last = delivered;
    if (result.completeExceptionally(delivered)) {
      router.emit(() -> new RouterEvent.RequestFailed(requestId, attemptNumber, latency, last.getMessage()));
      deliverFailure(delivered);
    }
  }

  /**
   * Arms the request's timer for the earliest of the deadline and the timeouts of the attempts in
   * flight, unless it is already armed for that time or earlier. Holding this object's monitor.
   */
  private void rearmTimer(long now) {
    long due = deadlineNanos;
    if (active0 != null && active0.armed != 0 && active0.dueNanos - due < 0) {
      due = active0.dueNanos;
    }
    if (active1 != null && active1.armed != 0 && active1.dueNanos - due < 0) {
      due = active1.dueNanos;
    }
    if (timerArmed && timerDueNanos - due <= 0) {
      return;
    }
    Scheduler.Cancellable previous = timer;
    timerArmed = true;
    timerDueNanos = due;
    timer = router.scheduler.schedule(this::onTimer, Math.max(1, due - now), TimeUnit.NANOSECONDS);
    previous.cancel();
  }

  /** The request's timer fired: the deadline, an attempt's timeout, or nothing yet (re-armed). */
  private void onTimer() {
    long now = router.ticker.nanoTime();
    boolean deadlineDue;
    AttemptRun late0 = null;
    AttemptRun late1 = null;
    synchronized (this) {
      if (timerArmed && now - timerDueNanos >= 0) {
        timerArmed = false;
        timer = Scheduler.Cancellable.DONE;
      }
      if (result.isDone()) {
        return;
      }
      deadlineDue = now - deadlineNanos >= 0;
      if (!deadlineDue) {
        if (active0 != null && active0.timeoutPassed(now)) {
          late0 = active0;
        }
        if (active1 != null && active1.timeoutPassed(now)) {
          late1 = active1;
        }
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
      if (!result.isDone()) {
        rearmTimer(router.ticker.nanoTime());
      }
    }
  }

  private void onDeadline() {
    if (result.isDone()) {
      return;
    }
    deadlinePassed = true;
    for (AttemptRun run : inFlight()) {
      // the caller's deadline, not the model's fault: the call is cancelled, not counted as a failure
      run.failed(new ProviderException(FailureKind.CANCELLED, 0, "the request's deadline passed"));
    }
    fail(new DeadlineExceededException(requestId, deadline(), snapshotTrail()));
  }

  /**
   * Cleans up when the request ends, whoever ended it (an answer, a failure, the caller's cancel);
   * {@code cancelled} when it ended in a {@link CancellationException}. Idempotent.
   */
  private void finished(boolean cancelled) {
    Scheduler.Cancellable armed;
    synchronized (this) {
      armed = timer;
      timer = Scheduler.Cancellable.DONE;
      timerArmed = false;
    }
    armed.cancel();
    CompletableFuture<T> all = rounds;
    if (all != null && !all.isDone()) {
      all.cancel(false);
    }
    // Whatever ended the request, no call of it may run on: a hedge's other leg, a stream.
    List<AttemptRun> inFlight = inFlight();
    if (inFlight.isEmpty()) {
      return;
    }
    String why = cancelled ? "cancelled by the caller" : "the request has ended";
    for (AttemptRun run : inFlight) {
      run.failed(new ProviderException(FailureKind.CANCELLED, 0, why));
    }
  }

  private synchronized List<AttemptRun> inFlight() {
    if (active0 == null) {
      return List.of();
    }
    return active1 == null ? List.of(active0) : List.of(active0, active1);
  }

  /** Holding this object's monitor. */
  private int activeCount() {
    return (active0 == null ? 0 : 1) + (active1 == null ? 0 : 1);
  }

  /** Holding this object's monitor; keeps the one left, if any, in {@code active0}. */
  private void removeActive(AttemptRun run) {
    if (active1 == run) {
      active1 = null;
    } else if (active0 == run) {
      active0 = active1;
      active1 = null;
    }
  }

  /** Holding this object's monitor. */
  private void addToTrail(Attempt attempt) {
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
    return hints.deadline() != null ? hints.deadline() : router.settings.deadline();
  }

  final Duration elapsed() {
    return Duration.ofNanos(router.ticker.nanoTime() - startNanos);
  }

  final int attempts() {
    return attemptNumber;
  }

  private static Throwable unwrap(Throwable error) {
    Throwable t = error;
    while (t instanceof CompletionException && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  /**
   * The future {@code route()} hands out. Whoever completes it — the execution, the caller's
   * {@code cancel}, {@code complete}, {@code orTimeout} — ends the request through {@link
   * #finished}, which cancels the timer and whatever call is still in flight. Overriding the
   * completing methods does what a {@code whenComplete} callback would, without a callback and the
   * future it returns per request; Failsafe's {@code FailsafeFuture} hooks its completion the same
   * way. Dependent stages are plain {@code CompletableFuture}s.
   */
  static final class ExecutionFuture<T> extends CompletableFuture<T> {
    private final RouteExecution<T> execution;

    ExecutionFuture(RouteExecution<T> execution) {
      this.execution = execution;
    }

    @Override
    public boolean complete(T value) {
      return ended(super.complete(value));
    }

    @Override
    public boolean completeExceptionally(Throwable failure) {
      return ended(super.completeExceptionally(failure));
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
      return ended(super.cancel(mayInterruptIfRunning));
    }

    @Override
    public void obtrudeValue(T value) {
      super.obtrudeValue(value);
      ended(true);
    }

    @Override
    public void obtrudeException(Throwable failure) {
      super.obtrudeException(failure);
      ended(true);
    }

    /** Completes through {@link #complete}, so the request ends here too (the JDK's bypasses it). */
    @Override
    public CompletableFuture<T> completeAsync(Supplier<? extends T> supplier, java.util.concurrent.Executor executor) {
      java.util.Objects.requireNonNull(supplier, "supplier");
      java.util.Objects.requireNonNull(executor, "executor");
      executor.execute(() -> {
        if (isDone()) {
          return;
        }
        try {
          complete(supplier.get());
        } catch (Throwable failure) {
          completeExceptionally(failure);
        }
      });
      return this;
    }

    @Override
    public CompletableFuture<T> completeAsync(Supplier<? extends T> supplier) {
      return completeAsync(supplier, defaultExecutor());
    }

    private boolean ended(boolean changed) {
      if (isDone()) {
        execution.finished(isCancelled());
      }
      return changed;
    }
  }

  /** What a round saw besides its calls: why models were skipped, and when the first frees up. */
  static final class RoundStatus {
    int skipped;
    int openCircuits;
    boolean budgetRejected;
    int waiting;
    boolean rateLimited;
    long earliestWaitNanos = Long.MAX_VALUE;
    /** The distinct reasons in the order first seen; created on the first skip. */
    private StringBuilder reasons;

    void reset() {
      skipped = 0;
      openCircuits = 0;
      budgetRejected = false;
      waiting = 0;
      rateLimited = false;
      earliestWaitNanos = Long.MAX_VALUE;
      reasons = null;
    }

    void skipped(SkipReason reason) {
      skipped++;
      if (reason == SkipReason.CIRCUIT_OPEN) {
        openCircuits++;
      }
      if (reasons == null) {
        reasons = new StringBuilder(reason.name());
      } else if (reasons.indexOf(reason.name()) < 0) {
        reasons.append(", ").append(reason.name());
      }
    }

    /** Notes that a skipped model frees up in {@code nanos}; {@code limit} for 429s and rate limits. */
    void waitFor(long nanos, boolean limit) {
      earliestWaitNanos = Math.min(earliestWaitNanos, Math.max(0, nanos));
      if (limit) {
        waiting++;
        rateLimited = true;
      }
    }

    boolean onlyOpenCircuits() {
      return skipped > 0 && openCircuits == skipped;
    }

    boolean onlyWaiting() {
      return skipped > 0 && waiting == skipped;
    }

    String describe() {
      return skipped == 0 ? "no model could be called" : "every planned model was skipped (" + reasons + ")";
    }
  }

  /** How a round ended without an answer, and whether another may follow. */
  static final class RoundFailed extends RuntimeException {
    private static final long serialVersionUID = 1L;

    final boolean retry;
    final long delayNanos;
    final transient RouterException failure;

    private RoundFailed(boolean retry, long delayNanos, RouterException failure) {
      super(null, null, false, false);
      this.retry = retry;
      this.delayNanos = delayNanos;
      this.failure = failure;
    }

    static RoundFailed retryAfter(long delayNanos) {
      return new RoundFailed(true, delayNanos, null);
    }

    static RoundFailed last(RouterException failure) {
      return new RoundFailed(false, 0, failure);
    }
  }
}
