package dev.sheepdog.core;

import dev.failsafe.Failsafe;
import dev.failsafe.FailsafeExecutor;
import dev.failsafe.RetryPolicy;
import dev.sheepdog.core.alert.AlertMonitor;
import dev.sheepdog.core.alert.AlertRules;
import dev.sheepdog.core.cost.BudgetCap;
import dev.sheepdog.core.cost.BudgetDecision;
import dev.sheepdog.core.cost.BudgetGuard;
import dev.sheepdog.core.cost.SpendLedger;
import dev.sheepdog.core.deferred.DeferredReplayListener;
import dev.sheepdog.core.deferred.DeferredReplayer;
import dev.sheepdog.core.deferred.ReplayPolicy;
import dev.sheepdog.core.limit.ModelRateLimiter;
import dev.sheepdog.core.stats.ModelStats;
import dev.sheepdog.core.stats.StatsConfig;
import dev.sheepdog.spi.AlertType;
import dev.sheepdog.spi.Candidate;
import dev.sheepdog.spi.ChatProvider;
import dev.sheepdog.spi.ChatRequest;
import dev.sheepdog.spi.CircuitState;
import dev.sheepdog.spi.DeferredQueue;
import dev.sheepdog.spi.DeferredRequest;
import dev.sheepdog.spi.ModelCatalog;
import dev.sheepdog.spi.ModelId;
import dev.sheepdog.spi.ModelSpec;
import dev.sheepdog.spi.PlanRequest;
import dev.sheepdog.spi.ProviderException;
import dev.sheepdog.spi.ProviderId;
import dev.sheepdog.spi.RouteHints;
import dev.sheepdog.spi.RouterEvent;
import dev.sheepdog.spi.RouterListener;
import dev.sheepdog.spi.Scheduler;
import dev.sheepdog.spi.SelectionStrategy;
import dev.sheepdog.spi.SkipReason;
import dev.sheepdog.spi.Ticker;
import dev.sheepdog.spi.TokenEstimator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Routes chat requests across models: plans with a {@link SelectionStrategy}, admits each model
 * through its circuit breaker and cool-down, calls its provider, fails over on transient failures,
 * retries the plan in rounds with backoff, and keeps every request within its deadline.
 *
 * <pre>{@code
 * Router router = Router.builder()
 *     .catalog(catalog)
 *     .provider(holySheep)
 *     .build();
 * RoutedResponse answer = router.route(ChatRequest.ofUser("Hi"), RouteHints.DEFAULT).join();
 * }</pre>
 *
 * Thread-safe; one router serves a whole application.
 */
public final class Router {
  final Ticker ticker;
  final Scheduler scheduler;
  final RouterSettings settings;
  final TokenEstimator estimator;
  final RetryBudget retryBudget;
  /** Runs a request's rounds; immutable and shared, so no executor is built per request. */
  final FailsafeExecutor<Object> rounds;
  final BudgetGuard budget;
  final RetryBudget hedgeBudget;
  private final HedgingConfig hedging;
  private final Map<dev.sheepdog.spi.TaskType, HedgingConfig> hedgingByTask;
  final AlertMonitor alerts;

  private final ModelCatalog catalog;
  private final Map<ProviderId, ChatProvider> providers;
  private final SelectionStrategy strategy;
  private final Map<ModelId, ModelHealth> models;
  private final List<Candidate> candidates;
  private final Map<ProviderId, AtomicLong> unauthorizedUntil = new ConcurrentHashMap<>();
  private final RouterListeners listeners;
  private final DeferredQueue deferredQueue;
  private final AtomicLong sequence = new AtomicLong();
  /** The longest deferral refusal passed on to a caller. */
  private static final int MAX_REFUSAL_CHARS = 200;

  private final String idPrefix = "req-" + Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xffffffL) + "-";

  private Router(RouterBuilder b) {
    this.ticker = b.ticker;
    this.scheduler = b.scheduler;
    this.settings = b.settings;
    this.estimator = b.estimator;
    this.catalog = b.catalog;
    this.providers = Map.copyOf(b.providers);
    this.strategy = b.strategy;
    this.listeners = new RouterListeners(b.listeners);
    this.deferredQueue = b.deferredQueue;
    this.alerts = new AlertMonitor(b.alertRules, ticker, listeners);
    this.budget = new BudgetGuard(b.ledger, b.caps, listeners, ticker);
    this.retryBudget = new RetryBudget(ticker, settings.retry());
    this.hedging = b.hedging;
    this.hedgingByTask = Map.copyOf(b.hedgingByTask);
    HedgingConfig budgetSource = b.hedging != null ? b.hedging : HedgingConfig.atP95();
    this.hedgeBudget = new RetryBudget(ticker, budgetSource.budgetRatio(), budgetSource.budgetMinimum(),
        budgetSource.budgetWindow());
    RetryPolicy<Object> roundPolicy = RetryPolicy.builder()
        .handleIf((result, failure) -> failure instanceof RouteExecution.RoundFailed round && round.retry)
        .withDelayFn(context -> Duration.ofNanos(((RouteExecution.RoundFailed) context.getLastException()).delayNanos))
        .withMaxRetries(-1)
        .build();
    this.rounds = Failsafe.with(roundPolicy).with(new FailsafeScheduler(scheduler));
    Map<ModelId, ModelHealth> byId = new LinkedHashMap<>();
    for (ModelSpec spec : catalog.models()) {
      CircuitBreaker breaker = new CircuitBreaker(spec.id(), settings.circuit(), this::onCircuitTransition);
      byId.put(spec.id(), new ModelHealth(spec, breaker, ModelRateLimiter.of(spec, ticker),
          new ModelStats(ticker, b.statsConfig), ticker));
    }
    this.models = Collections.unmodifiableMap(byId);
    this.candidates = List.copyOf(byId.values());
  }

  public static RouterBuilder builder() {
    return new RouterBuilder();
  }

  /**
   * Routes one request. The future completes with the answer, or exceptionally with a {@link
   * RoutingException}: {@link AllModelsFailedException}, {@link RequestRejectedException}, {@link
   * RequestNotServableException} (before any call, when no planned model could ever take it),
   * {@link BudgetExceededException} or {@link DeadlineExceededException}. Cancelling it cancels
   * the call in flight. Never blocks.
   */
  public CompletableFuture<RoutedResponse> route(ChatRequest request, RouteHints hints) {
    Objects.requireNonNull(request, "request");
    Objects.requireNonNull(hints, "hints");
    CompletionExecution execution = new CompletionExecution(this, request.withStream(false), hints, requestId(hints));
    hedgeBudget.recordRequest();
    execution.start();
    return execution.result;
  }

  /** Routes one request as a stream; see {@link RoutedStreamListener} for what arrives. */
  public RoutedStream stream(ChatRequest request, RouteHints hints, RoutedStreamListener listener) {
    Objects.requireNonNull(request, "request");
    Objects.requireNonNull(hints, "hints");
    Objects.requireNonNull(listener, "listener");
    StreamExecution execution = new StreamExecution(this, request, hints, requestId(hints), listener);
    execution.start();
    return execution;
  }

  public ModelCatalog catalog() {
    return catalog;
  }

  /** A snapshot of every model's health, in catalog order. */
  public HealthReport healthReport() {
    long now = ticker.nanoTime();
    List<HealthReport.ModelReport> reports = new ArrayList<>(models.size());
    for (ModelHealth model : models.values()) {
      CircuitBreaker breaker = model.breaker();
      CircuitState state = breaker.state();
      Long openUntil = state == CircuitState.OPEN
          ? ticker.epochMillis() + Math.max(0, (breaker.openUntilNanos() - now) / 1_000_000) : null;
      Long coolDownUntil = model.coolingDown(now)
          ? ticker.epochMillis() + (model.coolDownUntilNanos() - now) / 1_000_000 : null;
      reports.add(new HealthReport.ModelReport(model.id(), model.spec().provider(), state, openUntil, coolDownUntil,
          breaker.consecutiveFailures(), model.lastFailure(),
          model.lastFailure() == null ? null : model.lastFailureEpochMillis(), model.stats().snapshot(),
          model.limiter().headroom(), budget.ledger().total(model.id())));
    }
    return new HealthReport(ticker.epochMillis(), reports, budget.ledger().total(), alerts.recent());
  }

  /** The live health of one model, as strategies see it. */
  public Candidate candidate(ModelId model) {
    ModelHealth health = models.get(model);
    if (health == null) {
      throw new IllegalArgumentException("unknown model " + model);
    }
    return health;
  }

  /** How many times a listener threw (and was ignored). */
  public long listenerFailures() {
    return listeners.failures();
  }

  // ---- used by executions ----

  HedgingConfig hedgingFor(dev.sheepdog.spi.TaskType task) {
    HedgingConfig forTask = hedgingByTask.get(task);
    return forTask != null ? forTask : hedging;
  }

  String requestId(RouteHints hints) {
    return hints.requestId() != null ? hints.requestId() : idPrefix + sequence.incrementAndGet();
  }

  List<Candidate> plan(ChatRequest request, RouteHints hints, long estimatedPromptTokens) {
    if (!hints.pinned().isEmpty()) {
      List<Candidate> pinned = new ArrayList<>(hints.pinned().size());
      for (ModelId id : hints.pinned()) {
        ModelHealth model = models.get(id);
        if (model != null) {
          pinned.add(model);
        }
      }
      return pinned;
    }
    List<Candidate> planned = strategy.plan(new PlanRequest(request, hints, estimatedPromptTokens), candidates);
    if (ownDistinct(planned)) {
      // the usual case: the router only reads the plan, so the strategy's own list serves as it is
      return planned;
    }
    // A strategy may hand back candidates it wrapped; the router works with its own.
    List<Candidate> own = new ArrayList<>(planned.size());
    for (Candidate candidate : planned) {
      ModelHealth model = candidate instanceof ModelHealth health ? health : models.get(candidate.id());
      if (model != null && !own.contains(model)) {
        own.add(model);
      }
    }
    return own;
  }

  /** Whether every planned candidate is one of this router's models, each at most once. */
  private boolean ownDistinct(List<Candidate> planned) {
    int size = planned.size();
    for (int i = 0; i < size; i++) {
      Candidate candidate = planned.get(i);
      if (!(candidate instanceof ModelHealth)) {
        return false;
      }
      for (int j = 0; j < i; j++) {
        if (planned.get(j) == candidate) {
          return false;
        }
      }
    }
    return true;
  }

  ChatProvider provider(ModelHealth model) {
    return providers.get(model.spec().provider());
  }

  /** Why {@code model} may not be called now, or {@code null}; the circuit is checked after this. */
  SkipReason skipReason(ModelHealth model, long now, long promptTokens, long outputTokens, RouteHints hints,
      long minContextWindow, RouteExecution<?> execution) {
    ModelSpec spec = model.spec();
    if (!providers.containsKey(spec.provider())) {
      return SkipReason.NO_PROVIDER;
    }
    AtomicLong blocked = unauthorizedUntil.get(spec.provider());
    if (blocked != null && blocked.get() - now > 0) {
      execution.roundStatus().waitFor(blocked.get() - now, false);
      return SkipReason.PROVIDER_UNAUTHORIZED;
    }
    if (spec.contextWindow() <= minContextWindow || promptTokens > spec.contextWindow()) {
      return SkipReason.CONTEXT_TOO_SMALL;
    }
    BudgetDecision decision = budget.check(spec, promptTokens, outputTokens, hints);
    if (decision == BudgetDecision.REJECT) {
      execution.roundStatus().budgetRejected = true;
      return SkipReason.OVER_BUDGET;
    }
    if (decision.skips()) {
      return SkipReason.OVER_BUDGET;
    }
    if (model.coolingDown(now)) {
      execution.roundStatus().waitFor(model.coolDownUntilNanos() - now, true);
      return SkipReason.COOLING_DOWN;
    }
    return null;
  }

  /** Half-opens the circuit of the planned model that would recover first. */
  boolean halfOpenEarliest(List<Candidate> plan) {
    ModelHealth earliest = null;
    for (Candidate candidate : plan) {
      ModelHealth model = (ModelHealth) candidate;
      if (model.breaker().state() == CircuitState.OPEN
          && (earliest == null || model.breaker().openUntilNanos() - earliest.breaker().openUntilNanos() < 0)) {
        earliest = model;
      }
    }
    return earliest != null && earliest.breaker().halfOpenEarly();
  }

  /** Nanos until some planned model may be admitted again; 0 if one may now; MAX_VALUE if unknown. */
  long earliestAdmissionNanos(List<Candidate> plan, long now) {
    long earliest = Long.MAX_VALUE;
    for (Candidate candidate : plan) {
      ModelHealth model = (ModelHealth) candidate;
      long wait = 0;
      if (model.breaker().state() == CircuitState.OPEN) {
        wait = Math.max(wait, model.breaker().openUntilNanos() - now);
      }
      if (model.coolingDown(now)) {
        wait = Math.max(wait, model.coolDownUntilNanos() - now);
      }
      AtomicLong blocked = unauthorizedUntil.get(model.spec().provider());
      if (blocked != null) {
        wait = Math.max(wait, blocked.get() - now);
      }
      if (wait > 0) {
        earliest = Math.min(earliest, wait);
      }
    }
    return earliest;
  }

  long jitteredBackoff(int round) {
    long base = settings.retry().backoffNanos(round);
    double jitter = settings.retry().jitter();
    if (jitter == 0) {
      return base;
    }
    double factor = 1 + jitter * (2 * ThreadLocalRandom.current().nextDouble() - 1);
    return (long) (base * factor);
  }

  /**
   * An authentication failure: the key is wrong for every model of the provider, so isolate them
   * all for the recovery time and raise an alert, instead of retrying a key that cannot work.
   */
  void isolateProvider(ProviderId provider, long now, ProviderException failure) {
    long recovery = settings.circuit().recoveryTime().toNanos();
    AtomicLong until = unauthorizedUntil.computeIfAbsent(provider, p -> new AtomicLong(now));
    long previous = until.getAndAccumulate(now + recovery, Math::max);
    for (ModelHealth model : models.values()) {
      if (model.spec().provider().equals(provider)) {
        model.breaker().forceOpen(now, recovery);
      }
    }
    if (previous - now <= 0) {
      alerts.raise(AlertType.PROVIDER_UNAUTHORIZED, provider.value(), "provider " + provider
          + " rejected its credentials (HTTP " + failure.httpStatus() + "); its models are isolated for "
          + settings.circuit().recoveryTime().toSeconds() + " s");
    }
  }

  /** Offers a request that failed everywhere to the deferred queue; returns what the caller gets. */
  AllModelsFailedException defer(RouteExecution<?> execution, AllModelsFailedException failure) {
    if (deferredQueue == null) {
      return failure.withDeferral(null, "no deferred queue is configured");
    }
    String id = "def-" + UUID.randomUUID();
    DeferredRequest deferred = new DeferredRequest(id, execution.requestId, execution.request, execution.hints,
        ticker.epochMillis(), failure.getMessage());
    java.util.Optional<String> refusal;
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
    emit(() -> new RouterEvent.RequestDeferred(execution.requestId, id));
    return failure.withDeferral(id, null);
  }

  /** Whether any listener hears events; callers skip building events (and their lambdas) when not. */
  boolean listening() {
    return listeners.active();
  }

  void emit(Supplier<RouterEvent> event) {
    if (listeners.active()) {
      listeners.onEvent(event.get());
    }
  }

  /** After every recorded outcome: alerts that start or end with it. */
  void evaluateAlerts(ModelHealth model, boolean succeeded) {
    alerts.evaluate(model.id(), model.stats());
    if (succeeded && alerts.isActive(AlertType.PROVIDER_UNAUTHORIZED, model.spec().provider().value())) {
      alerts.resolve(AlertType.PROVIDER_UNAUTHORIZED, model.spec().provider().value(),
          "provider " + model.spec().provider() + " answers again");
    }
  }

  private void onCircuitTransition(ModelId model, CircuitState from, CircuitState to) {
    emit(() -> new RouterEvent.CircuitTransition(model, from, to, ticker.epochMillis()));
    alerts.onCircuitTransition(model, from, to);
  }

  /** Money spent through this router: per model, route and tag, with daily windows. */
  public SpendLedger ledger() {
    return budget.ledger();
  }

  /** Alerts that fired or resolved recently, oldest first. */
  public List<RouterEvent.Alert> recentAlerts() {
    return alerts.recent();
  }

  /** The deferred queue, if one is configured. */
  public java.util.Optional<DeferredQueue> deferredQueue() {
    return java.util.Optional.ofNullable(deferredQueue);
  }

  /**
   * A replayer that drains the deferred queue through this router, delivering each outcome to
   * {@code listener}; call {@code start()} on it for automatic replay with backoff. A replay that
   * ends in a failure no replay can cure (the request rejected by a model, not servable by its plan,
   * or refused by a rejecting budget) dead-letters the entry at once.
   */
  public DeferredReplayer<RoutedResponse> replayer(DeferredReplayListener<RoutedResponse> listener,
      ReplayPolicy policy) {
    if (deferredQueue == null) {
      throw new IllegalStateException("this router has no deferred queue; give one to the builder");
    }
    return new DeferredReplayer<>(deferredQueue,
        deferred -> route(deferred.request(), deferred.hints().toBuilder().allowDeferral(false).build()),
        listener, policy, ticker, scheduler, Router::cannotBeCuredByReplay);
  }

  private static boolean cannotBeCuredByReplay(Throwable failure) {
    return failure instanceof RequestRejectedException || failure instanceof RequestNotServableException
        || failure instanceof BudgetExceededException;
  }

  /** Builds a {@link Router}. Not thread-safe; each setting may be given once. */
  public static final class RouterBuilder {
    private ModelCatalog catalog;
    private final Map<ProviderId, ChatProvider> providers = new LinkedHashMap<>();
    private SelectionStrategy strategy;
    private Ticker ticker;
    private Scheduler scheduler;
    private RouterSettings settings = RouterSettings.defaults();
    private boolean settingsGiven;
    private TokenEstimator estimator;
    private final List<RouterListener> listeners = new ArrayList<>();
    private DeferredQueue deferredQueue;
    private StatsConfig statsConfig = StatsConfig.defaults();
    private AlertRules alertRules = AlertRules.defaults();
    private SpendLedger ledger;
    private final List<BudgetCap> caps = new ArrayList<>();
    private HedgingConfig hedging;
    private final Map<dev.sheepdog.spi.TaskType, HedgingConfig> hedgingByTask = new LinkedHashMap<>();

    /**
     * Hedges every non-streaming request: when the first model has not answered after the delay,
     * the next one is asked too and the first answer wins. Off by default.
     */
    public RouterBuilder hedging(HedgingConfig config) {
      this.hedging = once(this.hedging, config, "hedging");
      return this;
    }

    /** Hedges the requests of one task (a route); overrides {@link #hedging(HedgingConfig)}. */
    public RouterBuilder hedging(dev.sheepdog.spi.TaskType task, HedgingConfig config) {
      if (hedgingByTask.putIfAbsent(Objects.requireNonNull(task, "task"), Objects.requireNonNull(config, "hedging"))
          != null) {
        throw new IllegalStateException("hedging for " + task + " is given twice");
      }
      return this;
    }

    private RouterBuilder() {}

    /** Statistics windows, EWMA decay and failure penalty; defaults to {@link StatsConfig#defaults()}. */
    public RouterBuilder stats(StatsConfig config) {
      this.statsConfig = Objects.requireNonNull(config, "stats config");
      return this;
    }

    /** Alert thresholds; defaults to {@link AlertRules#defaults()}. */
    public RouterBuilder alerts(AlertRules rules) {
      this.alertRules = Objects.requireNonNull(rules, "alert rules");
      return this;
    }

    /** The ledger spend is recorded in; defaults to a new one. Share one to see spend elsewhere. */
    public RouterBuilder ledger(SpendLedger ledger) {
      this.ledger = once(this.ledger, ledger, "ledger");
      return this;
    }

    /** A daily spend cap; rejects or restricts to cheaper models once reached. */
    public RouterBuilder budget(BudgetCap cap) {
      caps.add(Objects.requireNonNull(cap, "budget cap"));
      return this;
    }

    public RouterBuilder catalog(ModelCatalog catalog) {
      this.catalog = once(this.catalog, catalog, "catalog");
      return this;
    }

    public RouterBuilder provider(ChatProvider provider) {
      Objects.requireNonNull(provider, "provider");
      if (providers.putIfAbsent(provider.id(), provider) != null) {
        throw new IllegalStateException("provider " + provider.id() + " is given twice");
      }
      return this;
    }

    public RouterBuilder providers(Iterable<? extends ChatProvider> providers) {
      providers.forEach(this::provider);
      return this;
    }

    /** The selection strategy; defaults to the tutorial's route table. */
    public RouterBuilder strategy(SelectionStrategy strategy) {
      this.strategy = once(this.strategy, strategy, "strategy");
      return this;
    }

    /** The clock; defaults to the system clock. Give a scheduler on the same clock too. */
    public RouterBuilder ticker(Ticker ticker) {
      this.ticker = once(this.ticker, ticker, "ticker");
      return this;
    }

    /** Runs timers (deadlines, backoff); defaults to a shared daemon thread. */
    public RouterBuilder scheduler(Scheduler scheduler) {
      this.scheduler = once(this.scheduler, scheduler, "scheduler");
      return this;
    }

    /** A clock that is also a scheduler, such as the testkit's {@code ManualTicker}. */
    public <C extends Ticker & Scheduler> RouterBuilder clock(C clock) {
      return ticker(clock).scheduler(clock);
    }

    public RouterBuilder settings(RouterSettings settings) {
      if (settingsGiven) {
        throw new IllegalStateException("settings is given twice");
      }
      this.settings = Objects.requireNonNull(settings, "settings");
      settingsGiven = true;
      return this;
    }

    public RouterBuilder tokenEstimator(TokenEstimator estimator) {
      this.estimator = once(this.estimator, estimator, "token estimator");
      return this;
    }

    public RouterBuilder listener(RouterListener listener) {
      listeners.add(Objects.requireNonNull(listener, "listener"));
      return this;
    }

    /** Where requests that failed everywhere are parked when their hints allow it. */
    public RouterBuilder deferredQueue(DeferredQueue queue) {
      this.deferredQueue = once(this.deferredQueue, queue, "deferred queue");
      return this;
    }

    /**
     * Builds the router. Fails naming the problem when the catalog is missing or empty, or when
     * the route table names a model the catalog lacks.
     */
    public Router build() {
      if (catalog == null || catalog.size() == 0) {
        throw new IllegalStateException("a router needs a catalog with at least one model");
      }
      if (strategy == null) {
        strategy = RouteTableStrategy.tutorialDefaults();
      }
      if (strategy instanceof RouteTableStrategy table) {
        for (ModelId model : table.models()) {
          if (!catalog.contains(model)) {
            throw new IllegalStateException("the route table names " + model + ", which is not in the catalog "
                + catalog);
          }
        }
      }
      if (ticker == null) {
        ticker = Ticker.system();
      }
      if (scheduler == null) {
        scheduler = Scheduler.system();
      }
      if (estimator == null) {
        estimator = TokenEstimator.CHARS_PER_TOKEN;
      }
      if (ledger == null) {
        ledger = new SpendLedger();
      }
      return new Router(this);
    }

    private static <T> T once(T current, T value, String name) {
      Objects.requireNonNull(value, name);
      if (current != null) {
        throw new IllegalStateException(name + " is given twice");
      }
      return value;
    }
  }
}
