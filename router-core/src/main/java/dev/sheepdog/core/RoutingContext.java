package dev.sheepdog.core;

import dev.sheepdog.core.cost.BudgetGuard;
import dev.sheepdog.spi.ChatRequest;
import dev.sheepdog.spi.DeferredQueue;
import dev.sheepdog.spi.DeferredRequest;
import dev.sheepdog.spi.RouterEvent;
import dev.sheepdog.spi.Scheduler;
import dev.sheepdog.spi.TaskType;
import dev.sheepdog.spi.Ticker;
import dev.sheepdog.spi.TokenEstimator;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * What every execution of one router shares: the clock and timers, the settings, the fleet of
 * models, the budgets, the retry policies, the listeners and the deferred queue. Built once by the
 * router; executions read it and never reach into the router itself. Immutable; the parts it holds
 * are thread-safe.
 */
final class RoutingContext {
  /** The longest deferral refusal passed on to a caller. */
  private static final int MAX_REFUSAL_CHARS = 200;

  final Ticker ticker;
  final Scheduler scheduler;
  final RouterSettings settings;
  final TokenEstimator estimator;
  final Fleet fleet;
  final BudgetGuard budget;
  final RetryBudget retryBudget;
  final RetryBudget hedgeBudget;
  final RetryRounds rounds;
  final RouterListeners listeners;
  private final DeferredQueue deferredQueue;
  private final HedgingConfig hedging;
  private final Map<TaskType, HedgingConfig> hedgingByTask;

  RoutingContext(Ticker ticker, Scheduler scheduler, RouterSettings settings, TokenEstimator estimator, Fleet fleet,
      BudgetGuard budget, RouterListeners listeners, DeferredQueue deferredQueue, HedgingConfig hedging,
      Map<TaskType, HedgingConfig> hedgingByTask) {
    this.ticker = ticker;
    this.scheduler = scheduler;
    this.settings = settings;
    this.estimator = estimator;
    this.fleet = fleet;
    this.budget = budget;
    this.listeners = listeners;
    this.deferredQueue = deferredQueue;
    this.hedging = hedging;
    this.hedgingByTask = Map.copyOf(hedgingByTask);
    this.retryBudget = new RetryBudget(ticker, settings.retry());
    HedgingConfig budgetSource = hedging != null ? hedging : HedgingConfig.atP95();
    this.hedgeBudget = new RetryBudget(ticker, budgetSource.budgetRatio(), budgetSource.budgetMinimum(),
        budgetSource.budgetWindow());
    this.rounds = new RetryRounds(settings.retry(), retryBudget, scheduler, ticker);
  }

  /** The hedging settings for a task's requests, or {@code null} when they are never hedged. */
  HedgingConfig hedgingFor(TaskType task) {
    HedgingConfig forTask = hedgingByTask.get(task);
    return forTask != null ? forTask : hedging;
  }

  /** Whether any listener hears events; callers skip building events (and their lambdas) when not. */
  boolean listening() {
    return listeners.active();
  }

  void emit(RouterEvent event) {
    listeners.onEvent(event);
  }

  Optional<DeferredQueue> deferredQueue() {
    return Optional.ofNullable(deferredQueue);
  }

  /**
   * Offers a request that failed everywhere to the deferred queue; returns what its caller gets:
   * the failure with the deferred id, or with why it was not parked. Called by the one thread that
   * has claimed the request's end, before the caller is told anything.
   */
  AllModelsFailedException defer(RouteExecution<?> execution, ChatRequest request, AllModelsFailedException failure) {
    if (deferredQueue == null) {
      return failure.withDeferral(null, "no deferred queue is configured");
    }
    String id = "def-" + UUID.randomUUID();
    DeferredRequest deferred = new DeferredRequest(id, execution.requestId, request, execution.hints,
        ticker.epochMillis(), failure.getMessage());
    Optional<String> refusal;
    try {
      refusal = deferredQueue.offerOrRefusal(deferred);
    } catch (RuntimeException e) {
      // not the queue's message: a store's error may quote its connection string
      return failure.withDeferral(null, "the deferred queue failed (" + e.getClass().getSimpleName() + ")");
    }
    if (refusal.isPresent()) {
      // a refusal is written for the caller, but it comes from a plug-in: keep it short
      String why = refusal.get();
      return failure.withDeferral(null, why.length() <= MAX_REFUSAL_CHARS ? why
          : why.substring(0, MAX_REFUSAL_CHARS) + "\u2026");
    }
    if (listening()) {
      emit(new RouterEvent.RequestDeferred(execution.requestId, id));
    }
    return failure.withDeferral(id, null);
  }
}
