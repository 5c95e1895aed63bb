package dev.sheepdog.core.inject;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import com.google.inject.multibindings.MapBinder;
import com.google.inject.multibindings.Multibinder;
import com.google.inject.multibindings.OptionalBinder;
import dev.sheepdog.core.FleetSettings;
import dev.sheepdog.core.HedgingConfig;
import dev.sheepdog.core.RouteTableStrategy;
import dev.sheepdog.core.Router;
import dev.sheepdog.core.RouterBuilder;
import dev.sheepdog.core.RouterSettings;
import dev.sheepdog.core.StrategyRegistry;
import dev.sheepdog.core.alert.AlertRules;
import dev.sheepdog.core.cost.BudgetCap;
import dev.sheepdog.core.cost.SpendLedger;
import dev.sheepdog.core.stats.StatsConfig;
import dev.sheepdog.spi.ChatProvider;
import dev.sheepdog.spi.DeferredQueue;
import dev.sheepdog.spi.ModelCatalog;
import dev.sheepdog.spi.ProviderId;
import dev.sheepdog.spi.RouterListener;
import dev.sheepdog.spi.Scheduler;
import dev.sheepdog.spi.SelectionStrategy;
import dev.sheepdog.spi.SharedState;
import dev.sheepdog.spi.Ticker;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Wires a {@link Router} from bindings: the {@link ModelCatalog} (yours to bind), providers from
 * {@code MapBinder<ProviderId, ChatProvider>} (adapter modules add theirs), strategies from
 * {@code MapBinder<String, SelectionStrategy>} (policy modules add theirs; {@code route-table} is
 * the tutorial's table unless you set another; a name, or several joined by {@code +}, is read by
 * {@link StrategyRegistry}, as the gateway reads its YAML), listeners from {@code
 * Multibinder<RouterListener>}, daily caps from {@code Multibinder<BudgetCap>},
 * and overridable defaults through {@code OptionalBinder}: the strategy name ({@link
 * StrategyName}, default {@code route-table}), {@link RouterSettings}, {@link StatsConfig},
 * {@link AlertRules}, the {@link SpendLedger} (a new one in memory), {@link Ticker}, {@link
 * Scheduler}, {@link FleetSettings}, and the optional {@link DeferredQueue}, {@link
 * HedgingConfig} and {@link SharedState}. The gateway builds its router with this module too,
 * setting these bindings from its YAML.
 *
 * <pre>{@code
 * Injector injector = Guice.createInjector(
 *     new RouterModule(), new HolySheepModule(), new CostPolicyModule(),
 *     binder -> binder.bind(ModelCatalog.class).toInstance(HolySheep.catalog()));
 * Router router = injector.getInstance(Router.class);
 * }</pre>
 */
public final class RouterModule extends AbstractModule {
  @Override
  protected void configure() {
    MapBinder.newMapBinder(binder(), ProviderId.class, ChatProvider.class);
    MapBinder.newMapBinder(binder(), String.class, SelectionStrategy.class)
        .addBinding(RouteTableStrategy.NAME).to(RouteTableStrategy.class);
    OptionalBinder.newOptionalBinder(binder(), RouteTableStrategy.class)
        .setDefault().toInstance(RouteTableStrategy.tutorialDefaults());
    Multibinder.newSetBinder(binder(), RouterListener.class);
    OptionalBinder.newOptionalBinder(binder(), com.google.inject.Key.get(String.class, StrategyName.class))
        .setDefault().toInstance(RouteTableStrategy.NAME);
    OptionalBinder.newOptionalBinder(binder(), RouterSettings.class).setDefault().toInstance(RouterSettings.defaults());
    OptionalBinder.newOptionalBinder(binder(), Ticker.class).setDefault().toInstance(Ticker.system());
    OptionalBinder.newOptionalBinder(binder(), Scheduler.class).setDefault().toInstance(Scheduler.system());
    OptionalBinder.newOptionalBinder(binder(), StatsConfig.class).setDefault().toInstance(StatsConfig.defaults());
    OptionalBinder.newOptionalBinder(binder(), AlertRules.class).setDefault().toInstance(AlertRules.defaults());
    OptionalBinder.newOptionalBinder(binder(), FleetSettings.class).setDefault().toInstance(FleetSettings.DEFAULTS);
    OptionalBinder.newOptionalBinder(binder(), SpendLedger.class).setDefault()
        .toProvider((com.google.inject.Provider<SpendLedger>) SpendLedger::new).in(Singleton.class);
    OptionalBinder.newOptionalBinder(binder(), DeferredQueue.class);
    OptionalBinder.newOptionalBinder(binder(), HedgingConfig.class);
    OptionalBinder.newOptionalBinder(binder(), SharedState.class);
    Multibinder.newSetBinder(binder(), BudgetCap.class);
  }

  @Provides
  @Singleton
  Router router(ModelCatalog catalog, Map<ProviderId, ChatProvider> providers,
      Map<String, SelectionStrategy> strategies, @StrategyName String strategyName, Set<RouterListener> listeners,
      RouterSettings settings, StatsConfig stats, AlertRules alerts, SpendLedger ledger, Set<BudgetCap> budgets,
      Ticker ticker, Scheduler scheduler, Optional<DeferredQueue> deferredQueue, Optional<HedgingConfig> hedging,
      Optional<SharedState> shared, FleetSettings fleet) {
    for (Map.Entry<ProviderId, ChatProvider> provider : providers.entrySet()) {
      if (!provider.getKey().equals(provider.getValue().id())) {
        throw new IllegalStateException("the provider bound under " + provider.getKey() + " has the id "
            + provider.getValue().id() + "; bind it under its own id");
      }
    }
    RouterBuilder builder = Router.builder()
        .catalog(catalog)
        .providers(providers.values())
        .strategy(StrategyRegistry.of(strategies).create(strategyName))
        .settings(settings)
        .stats(stats)
        .alerts(alerts)
        .ledger(ledger)
        .ticker(ticker)
        .scheduler(scheduler)
        .fleet(fleet);
    listeners.forEach(builder::listener);
    budgets.forEach(builder::budget);
    deferredQueue.ifPresent(builder::deferredQueue);
    hedging.ifPresent(builder::hedging);
    shared.ifPresent(builder::shared);
    return builder.build();
  }

  // Installed by several libraries, the module must count once, as Guice de-duplicates equal modules.
  @Override
  public boolean equals(Object other) {
    return other instanceof RouterModule;
  }

  @Override
  public int hashCode() {
    return RouterModule.class.hashCode();
  }
}
