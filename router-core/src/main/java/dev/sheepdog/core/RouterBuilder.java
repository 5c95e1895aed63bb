package dev.sheepdog.core;

import dev.sheepdog.core.alert.AlertRules;
import dev.sheepdog.core.cost.BudgetCap;
import dev.sheepdog.core.cost.SpendLedger;
import dev.sheepdog.core.stats.StatsConfig;
import dev.sheepdog.spi.ChatProvider;
import dev.sheepdog.spi.DeferredQueue;
import dev.sheepdog.spi.StateStore;
import dev.sheepdog.spi.ModelCatalog;
import dev.sheepdog.spi.ModelId;
import dev.sheepdog.spi.ModelSpec;
import dev.sheepdog.spi.ProviderId;
import dev.sheepdog.spi.RouterListener;
import dev.sheepdog.spi.Scheduler;
import dev.sheepdog.spi.SharedState;
import dev.sheepdog.spi.SelectionStrategy;
import dev.sheepdog.spi.TaskType;
import dev.sheepdog.spi.Ticker;
import dev.sheepdog.spi.TokenEstimator;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** Builds a {@link Router}. Not thread-safe; each setting may be given once. */
public final class RouterBuilder {
  ModelCatalog catalog;
  final Map<ProviderId, ChatProvider> providers = new LinkedHashMap<>();
  SelectionStrategy strategy;
  Ticker ticker;
  Scheduler scheduler;
  SharedState shared;
  FleetSettings fleetSettings = FleetSettings.DEFAULTS;
  RouterSettings settings = RouterSettings.defaults();
  private boolean settingsGiven;
  TokenEstimator estimator;
  final List<RouterListener> listeners = new ArrayList<>();
  DeferredQueue deferredQueue;
  StatsConfig statsConfig = StatsConfig.defaults();
  AlertRules alertRules = AlertRules.defaults();
  SpendLedger ledger;
  final List<BudgetCap> caps = new ArrayList<>();
  HedgingConfig hedging;
  final Map<TaskType, HedgingConfig> hedgingByTask = new LinkedHashMap<>();

  /**
   * Hedges every non-streaming request: when the first model has not answered after the delay,
   * the next one is asked too and the first answer wins. Off by default.
   */
  public RouterBuilder hedging(HedgingConfig config) {
    this.hedging = once(this.hedging, config, "hedging");
    return this;
  }

  /** Hedges the requests of one task (a route); overrides {@link #hedging(HedgingConfig)}. */
  public RouterBuilder hedging(TaskType task, HedgingConfig config) {
    if (hedgingByTask.putIfAbsent(Objects.requireNonNull(task, "task"), Objects.requireNonNull(config, "hedging"))
        != null) {
      throw new IllegalStateException("hedging for " + task + " is given twice");
    }
    return this;
  }

  RouterBuilder() {}

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
   * Keeps spend and deferred requests in {@code state}: a ledger that starts from the store's
   * counters and writes to it, and the store's deferred queue. The same as {@code ledger(new
   * SpendLedger(state.spend())).deferredQueue(state.deferred())}; give one or the other. The caller
   * closes the store after the router's last request.
   */
  public RouterBuilder state(StateStore state) {
    Objects.requireNonNull(state, "state store");
    ledger(new SpendLedger(state.spend()));
    state.shared().ifPresent(this::shared);
    return deferredQueue(state.deferred());
  }

  /**
   * Shares rate limits, the day's spend for budgets and circuits with the other instances that use
   * {@code shared} (what {@link #state} does for a store that has one). See {@link #fleet} for what
   * happens when it cannot be reached.
   */
  public RouterBuilder shared(SharedState shared) {
    this.shared = once(this.shared, shared, "shared state");
    return this;
  }

  /** How a router that shares its state falls back when it cannot be reached; see {@link FleetSettings}. */
  public RouterBuilder fleet(FleetSettings settings) {
    this.fleetSettings = Objects.requireNonNull(settings, "fleet settings");
    return this;
  }

  /**
   * Builds the router. Fails naming the problem when the catalog is missing or empty, when a
   * catalog model's provider is not registered, or when the route table names a model the catalog
   * lacks.
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
        if (catalog.find(model).orElseThrow().isEmbedding()) {
          throw new IllegalStateException("the route table names " + model
              + ", an embedding model: routes plan chat requests, and embeddings go to the models a request names");
        }
      }
    }
    for (ModelSpec spec : catalog.models()) {
      if (!providers.containsKey(spec.provider())) {
        throw new IllegalStateException("model " + spec.id() + " is served by provider " + spec.provider()
            + ", which is not registered; register it with provider(...) or leave the model out of the catalog"
            + " (registered: " + providers.keySet() + ")");
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
