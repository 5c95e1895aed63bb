package dev.sheepdog.core.inject;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.inject.AbstractModule;
import com.google.inject.CreationException;
import com.google.inject.Guice;
import com.google.inject.Key;
import com.google.inject.ProvisionException;
import com.google.inject.multibindings.MapBinder;
import com.google.inject.multibindings.OptionalBinder;
import dev.sheepdog.core.RouteTableStrategy;
import dev.sheepdog.core.RoutedResponse;
import dev.sheepdog.core.Router;
import dev.sheepdog.spi.ChatProvider;
import dev.sheepdog.spi.ChatRequest;
import dev.sheepdog.spi.ModelCatalog;
import dev.sheepdog.spi.ModelSpec;
import dev.sheepdog.spi.Priority;
import dev.sheepdog.spi.ProviderId;
import dev.sheepdog.spi.RouteHints;
import dev.sheepdog.spi.SelectionStrategy;
import dev.sheepdog.spi.TaskType;
import dev.sheepdog.testkit.ManualTicker;
import dev.sheepdog.testkit.ScriptedProvider;
import java.util.List;
import org.junit.jupiter.api.Test;

class RouterModuleTest {
  private final ManualTicker ticker = new ManualTicker();
  private final ScriptedProvider provider = ScriptedProvider.create("p", ticker);
  private final ModelCatalog catalog = ModelCatalog.of(ModelSpec.builder("a", "p").build(),
      ModelSpec.builder("b", "p").build());

  private AbstractModule world(String strategyName) {
    return new AbstractModule() {
      @Override
      protected void configure() {
        bind(ModelCatalog.class).toInstance(catalog);
        MapBinder.newMapBinder(binder(), ProviderId.class, ChatProvider.class)
            .addBinding(provider.id()).toInstance(provider);
        OptionalBinder.newOptionalBinder(binder(), RouteTableStrategy.class).setBinding().toInstance(
            RouteTableStrategy.builder().route(TaskType.GENERAL, Priority.NORMAL, "a", "b").build());
        MapBinder.newMapBinder(binder(), String.class, SelectionStrategy.class)
            .addBinding("reverse").toInstance((request, candidates) -> {
              List<dev.sheepdog.spi.Candidate> reversed = new java.util.ArrayList<>(candidates);
              java.util.Collections.reverse(reversed);
              return reversed;
            });
        if (strategyName != null) {
          OptionalBinder.newOptionalBinder(binder(), Key.get(String.class, StrategyName.class))
              .setBinding().toInstance(strategyName);
        }
        OptionalBinder.newOptionalBinder(binder(), dev.sheepdog.spi.Ticker.class).setBinding().toInstance(ticker);
        OptionalBinder.newOptionalBinder(binder(), dev.sheepdog.spi.Scheduler.class).setBinding().toInstance(ticker);
      }
    };
  }

  @Test
  void builds_a_router_from_bindings_with_the_route_table_by_default() {
    // given
    Router router = Guice.createInjector(new RouterModule(), world(null)).getInstance(Router.class);
    // when
    RoutedResponse answer = router.route(ChatRequest.ofUser("hi"), RouteHints.DEFAULT).join();
    // then
    assertThat(answer.model().value()).isEqualTo("a");
  }

  @Test
  void composes_strategies_named_with_a_plus() {
    // given: the route table plans a, b; reverse turns it into b, a
    Router router = Guice.createInjector(new RouterModule(), world("route-table+reverse")).getInstance(Router.class);
    // when
    RoutedResponse answer = router.route(ChatRequest.ofUser("hi"), RouteHints.DEFAULT).join();
    // then
    assertThat(answer.model().value()).isEqualTo("b");
  }

  @Test
  void an_unknown_strategy_name_fails_naming_it_and_the_known_ones() {
    assertThatThrownBy(() -> Guice.createInjector(new RouterModule(), world("cheapest")).getInstance(Router.class))
        .isInstanceOfAny(ProvisionException.class, CreationException.class)
        .hasMessageContaining("unknown strategy 'cheapest'")
        .hasMessageContaining("reverse");
  }

  @Test
  void a_provider_bound_under_another_id_fails_the_injector_naming_both() {
    // given: the provider "p" bound under "q" as well
    AbstractModule misbound = new AbstractModule() {
      @Override
      protected void configure() {
        MapBinder.newMapBinder(binder(), ProviderId.class, ChatProvider.class)
            .addBinding(ProviderId.of("q")).toInstance(provider);
      }
    };
    // when / then
    assertThatThrownBy(() -> Guice.createInjector(com.google.inject.Stage.PRODUCTION, new RouterModule(),
        world(null), misbound))
        .isInstanceOf(CreationException.class)
        .hasMessageContaining("the provider bound under q has the id p; bind it under its own id");
  }

  @Test
  void a_model_whose_provider_is_not_bound_fails_the_injector_naming_the_model_and_the_provider() {
    // given: a catalog model served by "elsewhere", which nothing binds
    AbstractModule catalogWithStranger = new AbstractModule() {
      @Override
      protected void configure() {
        bind(ModelCatalog.class).toInstance(ModelCatalog.of(ModelSpec.builder("a", "p").build(),
            ModelSpec.builder("b", "p").build(), ModelSpec.builder("c", "elsewhere").build()));
      }
    };
    // when / then
    assertThatThrownBy(() -> Guice.createInjector(com.google.inject.Stage.PRODUCTION, new RouterModule(),
        com.google.inject.util.Modules.override(world(null)).with(catalogWithStranger)))
        .isInstanceOf(CreationException.class)
        .hasMessageContaining("c")
        .hasMessageContaining("elsewhere, which is not registered");
  }

  @Test
  void the_ledger_and_budgets_bound_are_the_routers() {
    // given
    dev.sheepdog.core.cost.SpendLedger ledger = new dev.sheepdog.core.cost.SpendLedger();
    // a dollar spent already today, on the ticker's clock
    ledger.record(new dev.sheepdog.core.cost.Spend(dev.sheepdog.spi.ModelId.of("a"), TaskType.GENERAL,
        Priority.NORMAL, java.util.Set.of(), dev.sheepdog.spi.Money.ofUsd("1"), ticker.epochMillis()));
    AbstractModule money = new AbstractModule() {
      @Override
      protected void configure() {
        OptionalBinder.newOptionalBinder(binder(), dev.sheepdog.core.cost.SpendLedger.class).setBinding()
            .toInstance(ledger);
        com.google.inject.multibindings.Multibinder.newSetBinder(binder(), dev.sheepdog.core.cost.BudgetCap.class)
            .addBinding().toInstance(dev.sheepdog.core.cost.BudgetCap.global("day", dev.sheepdog.spi.Money.ofUsd("1")));
      }
    };
    Router router = Guice.createInjector(new RouterModule(), world(null), money).getInstance(Router.class);
    // when: the cap of $1 is reached before the first request
    Throwable refused = org.assertj.core.api.Assertions.catchThrowable(
        () -> router.route(ChatRequest.ofUser("hi"), RouteHints.DEFAULT).join());
    // then
    assertThat(router.ledger()).isSameAs(ledger);
    assertThat(refused).hasCauseInstanceOf(dev.sheepdog.core.BudgetExceededException.class);
  }
}
