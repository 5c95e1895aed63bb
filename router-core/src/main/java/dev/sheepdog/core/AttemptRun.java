package dev.sheepdog.core;

import dev.sheepdog.spi.CallOptions;
import dev.sheepdog.spi.FailureKind;
import dev.sheepdog.spi.Money;
import dev.sheepdog.spi.ProviderException;
import dev.sheepdog.spi.RouterEvent;
import dev.sheepdog.spi.Scheduler;
import dev.sheepdog.spi.Usage;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One provider call of a request, from admission to its end: an answer, a failure, its timeout, or
 * its cancellation, whichever comes first.
 *
 * <h2>Concurrency</h2>
 *
 * The provider's callback, the request's timer and the request's end race to settle it; a CAS on
 * {@code settled} lets exactly one through, and only that one records the outcome: the circuit
 * permit is reported once, the limiter's reservation is settled once, the spend is charged once,
 * and exactly one {@code AttemptSucceeded} or {@code AttemptFailed} follows the {@code
 * AttemptStarted} the execution emitted before anyone could settle the attempt. The outcome is
 * recorded whatever became of the request meanwhile (a provider that answered has billed, a model
 * that failed has failed); the execution then decides whether the request still cares.
 *
 * <p>A second CAS, on {@code armed}, decides between a stream's first chunk and the attempt's
 * timeout: once a stream is committed, only the request's deadline can cut it.
 */
final class AttemptRun {
  private static final Logger LOG = LoggerFactory.getLogger(AttemptRun.class);
  private static final int OPEN = 0;
  private static final int SETTLED_BY_OUTCOME = 1;
  /** Lost to another attempt's answer: cancelled, its elapsed time still a latency sample. */
  private static final int ABANDONED = 2;
  private static final VarHandle SETTLED;
  private static final VarHandle ARMED;

  static {
    try {
      MethodHandles.Lookup lookup = MethodHandles.lookup();
      SETTLED = lookup.findVarHandle(AttemptRun.class, "settled", int.class);
      ARMED = lookup.findVarHandle(AttemptRun.class, "armed", int.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  final FailoverExecution<?> execution;
  final ModelHealth model;
  final Object permit;
  /** Whether the reservation is held by the fleet's shared limits. */
  final boolean shared;
  final int number;
  final int round;
  final long startedNanos;
  /** When the attempt times out, on the ticker's clock. */
  final long dueNanos;
  /** {@code OPEN} until the attempt has its outcome; set by CAS, so exactly once. */
  private volatile int settled;
  /** 1 while the attempt's timeout may still fire; a stream's first chunk disarms it. */
  private volatile int armed = 1;
  /** Set before the attempt is published, so whoever settles it cancels the hedge. */
  volatile Scheduler.Cancellable hedgeTimer = Scheduler.Cancellable.DONE;
  /** Cancels the provider's call; {@code null} until the call has started. */
  volatile Runnable cancelCall;

  AttemptRun(FailoverExecution<?> execution, ModelHealth model, ModelAdmission admission, int number, int round,
      long startedNanos, long timeoutNanos) {
    this.execution = execution;
    this.model = model;
    this.permit = admission.permit();
    this.shared = admission.shared();
    this.number = number;
    this.round = round;
    this.startedNanos = startedNanos;
    this.dueNanos = startedNanos + timeoutNanos;
  }

  /**
   * Starts the attempt: counts it in flight, announces it ({@code AttemptStarted}, before anyone
   * else can end it), gives a primary its hedge timer, publishes it, and calls the provider — or,
   * if the request ended meanwhile, ends it cancelled without a call.
   */
  void launch(boolean hedge) {
    RoutingContext ctx = execution.ctx;
    model.callStarted();
    if (ctx.listening()) {
      ctx.emit(new RouterEvent.AttemptStarted(execution.requestId, model.id(), number, round));
    }
    HedgingConfig hedging = hedge ? null : execution.hedging();
    if (hedging != null) {
      long delay = hedging.delay() != null ? hedging.delay().toNanos() : model.p95LatencyNanos();
      if (delay > 0 && delay < timeoutNanos()) {
        hedgeTimer = ctx.scheduler.schedule(() -> execution.hedge(this), delay, TimeUnit.NANOSECONDS);
      }
    }
    if (!execution.publish(this)) {
      cancel("the request has ended");
      return;
    }
    Duration attemptTimeout = ctx.settings.attemptTimeout();
    Duration callTimeout = timeoutNanos() == attemptTimeout.toNanos() ? attemptTimeout : Duration.ofNanos(timeoutNanos());
    CallOptions options = CallOptions.of(callTimeout, execution.requestId);
    Map<String, String> headers = ctx.listeners.callHeaders(execution.requestId, model.id(), number);
    if (!headers.isEmpty()) {
      try {
        options = options.withHeaders(headers);
      } catch (IllegalArgumentException e) {
        // a listener's header that HTTP cannot carry: the call goes without the extra headers
      }
    }
    try {
      execution.call(model, options, this);
    } catch (RuntimeException e) {
      failed(e instanceof ProviderException pe ? pe : ProviderException.of(FailureKind.UNAVAILABLE,
          "provider threw " + e.getClass().getSimpleName()));
    }
    if (!isSettled()) {
      execution.callPending();
    }
  }

  long timeoutNanos() {
    return dueNanos - startedNanos;
  }

  boolean isSettled() {
    return settled != OPEN;
  }

  /** Whether the attempt's timeout is armed and has passed at {@code now}. */
  boolean timeoutPassed(long now) {
    return armed != 0 && settled == OPEN && now - dueNanos >= 0;
  }

  boolean timeoutArmed() {
    return armed != 0;
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
    return settled == OPEN;
  }

  void timedOut() {
    if (ARMED.compareAndSet(this, 1, 0)) {
      failed(ProviderException.of(FailureKind.TIMEOUT,
          "no answer within " + Duration.ofNanos(timeoutNanos()).toMillis() + " ms"));
    }
  }

  /** Ends the attempt as cancelled by the router or the caller: not the model's failure. */
  void cancel(String why) {
    failed(new ProviderException(FailureKind.CANCELLED, 0, why));
  }

  /** Ends the attempt cancelled because another attempt of its request answered first. */
  void abandon(String why) {
    settleFailed(ABANDONED, new ProviderException(FailureKind.CANCELLED, 0, why));
  }

  void succeeded(Object payload, Usage usage) {
    if (!SETTLED.compareAndSet(this, OPEN, SETTLED_BY_OUTCOME)) {
      return;
    }
    hedgeTimer.cancel();
    execution.attemptAnswered(this, payload, usage);
  }

  void failed(ProviderException failure) {
    if (failure.kind() == FailureKind.TIMEOUT && settled == OPEN && execution.deadlinePassed()) {
      // the caller's deadline, reached first by the provider's timeout cut to it
      execution.onDeadline();
      if (settled != OPEN) {
        return;
      }
    }
    settleFailed(SETTLED_BY_OUTCOME, failure);
  }

  private void settleFailed(int how, ProviderException failure) {
    if (!SETTLED.compareAndSet(this, OPEN, how)) {
      return;
    }
    hedgeTimer.cancel();
    Runnable cancel = cancelCall;
    if (cancel != null) {
      cancel.run();
    }
    execution.attemptFailed(this, failure);
  }

  /**
   * Records an answer: circuit, latency, the limiter's reservation corrected to the usage, spend,
   * alerts and the {@code AttemptSucceeded} event. Returns the answer's cost and its trail entry.
   */
  Money recordAnswer(Usage usage, long latencyNanos, boolean estimated) {
    RoutingContext ctx = execution.ctx;
    Money cost = model.spec().price().cost(usage);
    model.breaker().onSuccess(permit);
    execution.recordSuccessLatency(model, latencyNanos);
    // an estimate does not correct the reservation: the limiter keeps what was reserved
    model.settleTokens(execution.reservedTokens(), estimated ? execution.reservedTokens() : usage.totalTokens(),
        shared, ctx.fleet.sharedState());
    ctx.budget.record(model.id(), cost, execution.hints);
    if (estimated) {
      ctx.budget.ledger().recordEstimated(model.id(), cost.nanos(), ctx.ticker.epochMillis());
    }
    ctx.fleet.evaluateAlerts(model, true);
    if (estimated && model.firstAnswerWithoutUsage()) {
      LOG.warn("model {} answered without reporting usage: its cost is estimated from the token estimator"
          + " (the prompt's estimate, the answer's characters / 4), and its token limits keep what was"
          + " reserved; said once per model, counted in UsageEstimated events", model.id());
    }
    if (ctx.listening()) {
      ctx.emit(new RouterEvent.AttemptSucceeded(execution.requestId, model.id(), number,
          Duration.ofNanos(latencyNanos), estimated ? Usage.NONE : usage, cost));
      if (estimated) {
        ctx.emit(new RouterEvent.UsageEstimated(execution.requestId, model.id(), usage, cost));
      }
    }
    return cost;
  }

  /**
   * Records a failure: statistics, the limiter's reservation (given back, or charged with {@code
   * billed} when the provider billed the call), spend, the circuit, what the failure says about the
   * model or its provider (a 429's cool-down, a 401's isolation), alerts and the {@code
   * AttemptFailed} event. Returns the trail entry.
   */
  Attempt recordFailure(ProviderException failure, Usage billed) {
    RoutingContext ctx = execution.ctx;
    long now = ctx.ticker.nanoTime();
    FailureKind kind = failure.kind();
    long elapsed = now - startedNanos;
    if (settled == ABANDONED) {
      model.recordAbandoned(elapsed);
    } else {
      model.recordFailure(kind, elapsed);
    }
    if (billed == null) {
      model.settleTokens(execution.reservedTokens(), 0, shared, ctx.fleet.sharedState());
    } else {
      model.settleTokens(execution.reservedTokens(), billed.totalTokens(), shared, ctx.fleet.sharedState());
      ctx.budget.record(model.id(), model.spec().price().cost(billed), execution.hints);
    }
    if (kind.countsAgainstCircuit()) {
      model.breaker().onFailure(permit, now);
    } else {
      model.breaker().onNeutral(permit);
    }
    if (kind == FailureKind.RATE_LIMITED) {
      Duration wait = failure.retryAfter().orElse(ctx.settings.defaultRetryAfter());
      Duration max = ctx.settings.retry().maxRetryAfter();
      model.coolDownUntil(now + (wait.compareTo(max) > 0 ? max : wait).toNanos());
    } else if (kind == FailureKind.UNAUTHORIZED) {
      ctx.fleet.isolateProvider(model.spec().provider(), now, failure);
    }
    ctx.fleet.evaluateAlerts(model, false);
    Duration latency = Duration.ofNanos(elapsed);
    if (ctx.listening()) {
      ctx.emit(new RouterEvent.AttemptFailed(execution.requestId, model.id(), number, kind, failure.httpStatus(),
          latency, failure.providerMessage()));
    }
    return new Attempt(model.id(), round, kind, failure.httpStatus(), latency, failure.providerMessage());
  }
}
