package dev.sheepdog.gateway.config;

import com.google.inject.AbstractModule;
import com.google.inject.Inject;
import com.google.inject.Key;
import com.google.inject.PrivateModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import com.google.inject.multibindings.MapBinder;
import com.google.inject.multibindings.Multibinder;
import com.google.inject.multibindings.OptionalBinder;
import com.google.inject.name.Names;
import dev.sheepdog.adapter.openai.SharedHttpClient;
import dev.sheepdog.core.FleetSettings;
import dev.sheepdog.core.HedgingConfig;
import dev.sheepdog.core.RouteTableStrategy;
import dev.sheepdog.core.RouterSettings;
import dev.sheepdog.core.alert.AlertRules;
import dev.sheepdog.core.alert.LoggingAlertListener;
import dev.sheepdog.core.cost.BudgetCap;
import dev.sheepdog.core.cost.SpendLedger;
import dev.sheepdog.core.inject.RouterModule;
import dev.sheepdog.core.inject.StrategyName;
import dev.sheepdog.gateway.GatewayMetrics;
import dev.sheepdog.gateway.GatewaySettings;
import dev.sheepdog.gateway.GatewayTracing;
import dev.sheepdog.policy.cost.CostPolicyModule;
import dev.sheepdog.policy.latency.LatencyPolicyModule;
import dev.sheepdog.spi.ChatProvider;
import dev.sheepdog.spi.DeferredQueue;
import dev.sheepdog.spi.ModelCatalog;
import dev.sheepdog.spi.ModelSpec;
import dev.sheepdog.spi.ProviderId;
import dev.sheepdog.spi.RouterListener;
import dev.sheepdog.spi.Scheduler;
import dev.sheepdog.spi.SelectionStrategy;
import dev.sheepdog.spi.SharedState;
import dev.sheepdog.spi.StateStore;
import dev.sheepdog.spi.Ticker;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link ConfigFile} as Guice modules: the core's {@link RouterModule} with its bindings set
 * from the file (catalog, route table, strategy name, timeouts, retries, circuits, alerts, budgets,
 * hedging), the policy modules ({@link CostPolicyModule}, {@link LatencyPolicyModule}), one
 * private module per provider (its {@link ProviderContext} kept inside, the provider exposed into
 * the router's {@code MapBinder<ProviderId, ChatProvider>} under its name), the strategies plug-ins
 * contribute, the metrics as a router listener, and the state store with the ledger, the deferred
 * queue and the fleet's shared state it provides. {@link RunningGateway#start} builds one
 * injector from it, in {@code Stage.PRODUCTION}, so a mistake (a model whose provider is missing,
 * a provider that cannot be built) fails the start, not a request.
 *
 * <p>Embedders add their own modules with {@link RunningGateway#start(ConfigFile, Ticker,
 * Scheduler, List)}: their bindings override the file's, their set and map elements join it.
 */
public final class GatewayModule extends AbstractModule {
  private static final Logger log = LoggerFactory.getLogger(GatewayModule.class);

  private final ConfigFile config;
  private final Ticker ticker;
  private final Scheduler scheduler;
  private final GatewayResources resources;
  private final AlertRelay alerts;

  GatewayModule(ConfigFile config, Ticker ticker, Scheduler scheduler, GatewayResources resources,
      AlertRelay alerts) {
    this.config = Objects.requireNonNull(config, "config");
    this.ticker = Objects.requireNonNull(ticker, "ticker");
    this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
    this.resources = Objects.requireNonNull(resources, "resources");
    this.alerts = Objects.requireNonNull(alerts, "alerts");
  }

  @Override
  protected void configure() {
    install(new RouterModule());
    install(new CostPolicyModule());
    install(new LatencyPolicyModule());
    bind(ConfigFile.class).toInstance(config);
    bind(GatewayResources.class).toInstance(resources);
    bind(ModelCatalog.class).toInstance(config.catalog());
    OptionalBinder.newOptionalBinder(binder(), Ticker.class).setBinding().toInstance(ticker);
    OptionalBinder.newOptionalBinder(binder(), Scheduler.class).setBinding().toInstance(scheduler);
    OptionalBinder.newOptionalBinder(binder(), RouterSettings.class).setBinding().toInstance(config.settings());
    OptionalBinder.newOptionalBinder(binder(), AlertRules.class).setBinding().toInstance(config.alerts().rules());
    OptionalBinder.newOptionalBinder(binder(), RouteTableStrategy.class).setBinding()
        .toInstance(config.routes().table());
    OptionalBinder.newOptionalBinder(binder(), Key.get(String.class, StrategyName.class)).setBinding()
        .toInstance(config.routes().strategy());
    OptionalBinder.newOptionalBinder(binder(), FleetSettings.class).setBinding().toInstance(config.state().fleet());
    config.hedging().ifPresent(hedging ->
        OptionalBinder.newOptionalBinder(binder(), HedgingConfig.class).setBinding().toInstance(hedging));
    Multibinder<BudgetCap> budgets = Multibinder.newSetBinder(binder(), BudgetCap.class);
    config.budgets().forEach(cap -> budgets.addBinding().toInstance(cap));

    // spend, the deferred queue and the fleet's shared state come from the state store
    OptionalBinder.newOptionalBinder(binder(), SpendLedger.class).setBinding().toProvider(LedgerOfState.class)
        .in(Singleton.class);
    OptionalBinder.newOptionalBinder(binder(), DeferredQueue.class).setBinding()
        .toProvider(DeferredOfState.class).in(Singleton.class);
    OptionalBinder.newOptionalBinder(binder(), SharedState.class).setBinding().toProvider(SharedOfState.class)
        .in(Singleton.class);

    Multibinder<RouterListener> listeners = Multibinder.newSetBinder(binder(), RouterListener.class);
    listeners.addBinding().to(GatewayMetrics.class);
    listeners.addBinding().to(GatewayTracing.class);
    if (config.alerts().log()) {
      listeners.addBinding().toInstance(new LoggingAlertListener());
    }

    MapBinder<String, SelectionStrategy> strategies = MapBinder.newMapBinder(binder(), String.class,
        SelectionStrategy.class);
    config.strategies().forEach((name, factory) ->
        strategies.addBinding(name)
            .toProvider((com.google.inject.Provider<SelectionStrategy>) factory::get).in(Singleton.class));

    for (ConfigFile.Provider provider : config.providers().values()) {
      ProviderId id = ProviderId.of(provider.name());
      List<ModelSpec> models = config.catalog().models().stream().filter(m -> m.provider().equals(id)).toList();
      if (models.isEmpty()) {
        log.warn("Provider {} serves no model of the models section; it is not started", provider.name());
        continue;
      }
      install(new ProviderModule(provider, models));
      MapBinder.newMapBinder(binder(), ProviderId.class, ChatProvider.class)
          .addBinding(id).to(ProviderModule.exposed(provider));
    }
  }

  @Provides
  @Singleton
  SharedHttpClient upstreamClient() {
    // one client for every provider of the file, started only if one calls out
    SharedHttpClient client = SharedHttpClient.create();
    resources.add(GatewayResources.Phase.UPSTREAM_CLIENT, "the upstream HTTP client", client::close);
    return client;
  }

  @Provides
  @Singleton
  StateStore state() {
    StateStore state = RunningGateway.openState(config, alerts, ticker);
    resources.add(GatewayResources.Phase.STATE, "the state store", state);
    return state;
  }

  @Provides
  @Singleton
  GatewayMetrics metrics(StateStore state) {
    GatewayMetrics metrics = GatewayMetrics.create();
    metrics.bind(state);
    return metrics;
  }

  /**
   * Traces as {@code telemetry} says: off, or exported over OTLP; the SDK is flushed and shut down
   * first when the gateway closes. Embedders replace it with their own {@link
   * GatewayTracing#of(io.opentelemetry.api.OpenTelemetry, boolean)}.
   */
  @Provides
  @Singleton
  GatewayTracing tracing() {
    GatewayTracing tracing = GatewayTracing.otlp(config.telemetry());
    if (tracing.enabled()) {
      resources.add(GatewayResources.Phase.TELEMETRY, "the trace exporter", tracing);
      log.info("Traces: {}", config.telemetry().describe());
    }
    return tracing;
  }

  @Provides
  @Singleton
  GatewaySettings http() {
    return RunningGateway.gatewaySettings(config);
  }

  private static final class LedgerOfState implements com.google.inject.Provider<SpendLedger> {
    private final StateStore state;

    @Inject
    LedgerOfState(StateStore state) {
      this.state = state;
    }

    @Override
    public SpendLedger get() {
      return new SpendLedger(state.spend());
    }
  }

  /** The store's queue behind a quota per client key, or none when {@code deferred.enabled} is false. */
  private static final class DeferredOfState implements com.google.inject.Provider<DeferredQueue> {
    private final ConfigFile config;
    private final StateStore state;

    @Inject
    DeferredOfState(ConfigFile config, StateStore state) {
      this.config = config;
      this.state = state;
    }

    @Override
    public DeferredQueue get() {
      return RunningGateway.deferredQueue(config.deferred(), state.deferred());
    }
  }

  private static final class SharedOfState implements com.google.inject.Provider<SharedState> {
    private final StateStore state;

    @Inject
    SharedOfState(StateStore state) {
      this.state = state;
    }

    @Override
    public SharedState get() {
      return state.shared().orElse(null);
    }
  }

  /**
   * One provider: its context and its {@link ChatProvider} stay private; the provider is exposed
   * under a key named after it and added to the router's map under its id.
   */
  private static final class ProviderModule extends PrivateModule {
    private final ConfigFile.Provider provider;
    private final List<ModelSpec> models;

    ProviderModule(ConfigFile.Provider provider, List<ModelSpec> models) {
      this.provider = provider;
      this.models = models;
    }

    @Override
    protected void configure() {
      Key<ChatProvider> exposed = exposed(provider);
      bind(ConfigFile.Provider.class).toInstance(provider);
      bind(ChatProvider.class).toProvider(BuiltProvider.class).in(Singleton.class);
      bind(exposed).to(ChatProvider.class);
      expose(exposed);
    }

    static Key<ChatProvider> exposed(ConfigFile.Provider provider) {
      return Key.get(ChatProvider.class, Names.named("sheepdog.provider." + provider.name()));
    }

    @Provides
    ProviderContext context(Ticker ticker, Scheduler scheduler, SharedHttpClient upstreamClient) {
      return new ProviderContext(ProviderId.of(provider.name()), models, ticker, scheduler, upstreamClient);
    }
  }

  private static final class BuiltProvider implements com.google.inject.Provider<ChatProvider> {
    private final ConfigFile.Provider provider;
    private final ProviderContext context;
    private final GatewayResources resources;

    @Inject
    BuiltProvider(ConfigFile.Provider provider, ProviderContext context, GatewayResources resources) {
      this.provider = provider;
      this.context = context;
      this.resources = resources;
    }

    @Override
    public ChatProvider get() {
      ChatProvider chat = provider.prepared().create(context);
      if (chat instanceof AutoCloseable closeable) {
        resources.add(GatewayResources.Phase.PROVIDERS, "provider " + provider.name(), closeable);
      }
      log.info("Provider {} ({}): {}; models {}", provider.name(), provider.type(), provider.prepared().describe(),
          context.models().stream().map(m -> m.id().value()).toList());
      return chat;
    }
  }
}
