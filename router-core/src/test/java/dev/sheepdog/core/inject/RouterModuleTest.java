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
}
