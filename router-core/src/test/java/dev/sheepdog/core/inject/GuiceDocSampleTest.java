package dev.sheepdog.core.inject;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.inject.AbstractModule;
import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.Key;
import com.google.inject.multibindings.MapBinder;
import com.google.inject.multibindings.Multibinder;
import com.google.inject.multibindings.OptionalBinder;
import dev.sheepdog.core.RouteTableStrategy;
import dev.sheepdog.core.RouterSettings;
import dev.sheepdog.spi.Priority;
import dev.sheepdog.spi.TaskType;
import dev.sheepdog.core.Router;
import dev.sheepdog.spi.ChatProvider;
import dev.sheepdog.spi.ChatRequest;
import dev.sheepdog.spi.ModelCatalog;
import dev.sheepdog.spi.ModelSpec;
import dev.sheepdog.spi.ProviderId;
import dev.sheepdog.spi.RouteHints;
import dev.sheepdog.spi.RouterListener;
import dev.sheepdog.spi.Scheduler;
import dev.sheepdog.testkit.ScriptedProvider;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The Guice sample of docs/embedding.md. */
class GuiceDocSampleTest {
  @Test
  void wires_a_router_with_guice() {
    ChatProvider myProvider = ScriptedProvider.create("mine", Scheduler.system());
    // --- sample: guice ---
    Injector injector = Guice.createInjector(new RouterModule(), new AbstractModule() {
      @Override
      protected void configure() {
        bind(ModelCatalog.class).toInstance(ModelCatalog.of(
            ModelSpec.builder("gpt-4.1-mini", "mine").build(),
            ModelSpec.builder("deepseek-chat", "mine").build()));
        // adapter modules (OpenAiModule, HolySheepModule) add their providers the same way
        MapBinder.newMapBinder(binder(), ProviderId.class, ChatProvider.class)
            .addBinding(myProvider.id()).toInstance(myProvider);
        // the route table: without one, the tutorial's table (and its six models) is the default
        OptionalBinder.newOptionalBinder(binder(), RouteTableStrategy.class).setBinding().toInstance(
            RouteTableStrategy.builder().route(TaskType.GENERAL, Priority.NORMAL, "gpt-4.1-mini", "deepseek-chat").build());
        // a policy module (CostPolicyModule, LatencyPolicyModule) binds its strategies by name;
        // pick one, or compose several with '+'
        OptionalBinder.newOptionalBinder(binder(), Key.get(String.class, StrategyName.class))
            .setBinding().toInstance("route-table");
        OptionalBinder.newOptionalBinder(binder(), RouterSettings.class).setBinding()
            .toInstance(RouterSettings.defaults()
                .withDeadline(Duration.ofSeconds(30)).withAttemptTimeout(Duration.ofSeconds(20)));
        Multibinder.newSetBinder(binder(), RouterListener.class)
            .addBinding().toInstance(event -> { });
      }
    });
    Router router = injector.getInstance(Router.class);
    // --- end sample ---
    assertThat(router.catalog().size()).isEqualTo(2);
    assertThat(router.route(ChatRequest.ofUser("hi"), RouteHints.DEFAULT.toBuilder().pin(
        dev.sheepdog.spi.ModelId.of("deepseek-chat")).build()).join().model().value()).isEqualTo("deepseek-chat");
  }
}
