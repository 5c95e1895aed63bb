package dev.sheepdog.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.inject.AbstractModule;
import com.google.inject.Guice;
import com.google.inject.Key;
import com.google.inject.multibindings.MapBinder;
import com.google.inject.multibindings.OptionalBinder;
import dev.sheepdog.core.inject.RouterModule;
import dev.sheepdog.core.inject.StrategyName;
import dev.sheepdog.spi.Candidate;
import dev.sheepdog.spi.ChatProvider;
import dev.sheepdog.spi.ChatRequest;
import dev.sheepdog.spi.ModelCatalog;
import dev.sheepdog.spi.ModelSpec;
import dev.sheepdog.spi.PlanRequest;
import dev.sheepdog.spi.Priority;
import dev.sheepdog.spi.ProviderId;
import dev.sheepdog.spi.RouteHints;
import dev.sheepdog.spi.SelectionStrategy;
import dev.sheepdog.spi.TaskType;
import dev.sheepdog.testkit.FixedHealth;
import dev.sheepdog.testkit.ManualTicker;
import dev.sheepdog.testkit.ScriptedProvider;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The samples of docs/writing-a-strategy.md, between the {@code tag::} and {@code end::} comments. */
class StrategyGuideSampleTest {

  // tag::strategy[]
  /** Puts first the model a request asks for with the tag {@code prefer:<model id>}; keeps the others' order. */
  public static final class PreferTagged implements SelectionStrategy {
    public static final String NAME = "prefer-tagged";
    private static final String PREFIX = "prefer:";

    @Override
    public List<Candidate> plan(PlanRequest request, List<Candidate> candidates) {
      String wanted = null;
      for (String tag : request.hints().tags()) {
        if (tag.startsWith(PREFIX)) {
          wanted = tag.substring(PREFIX.length());
        }
      }
      List<Candidate> plan = new ArrayList<>(candidates.size());
      for (Candidate candidate : candidates) {
        if (candidate.spec().id().value().equals(wanted)) {
          plan.add(candidate);
        }
      }
      for (Candidate candidate : candidates) {
        if (!candidate.spec().id().value().equals(wanted)) {
          plan.add(candidate);
        }
      }
      return plan;
    }
  }
  // end::strategy[]

  static final ModelSpec MINI = ModelSpec.builder("gpt-4.1-mini", "mine").price("1.00", "4.00").build();
  static final ModelSpec DEEPSEEK = ModelSpec.builder("deepseek-chat", "mine").price("0.42", "1.68").build();
  static final ModelSpec GPT = ModelSpec.builder("gpt-4.1", "mine").price("8.00", "32.00").build();

  @Test
  void a_unit_test_with_the_testkit() {
    // tag::unit-test[]
    // given three candidates, healthy, in the route's order, and a request that prefers gpt-4.1
    List<Candidate> candidates = List.of(Candidate.of(MINI, FixedHealth.HEALTHY),
        Candidate.of(DEEPSEEK, FixedHealth.HEALTHY), Candidate.of(GPT, FixedHealth.HEALTHY));
    PlanRequest request = new PlanRequest(ChatRequest.ofUser("Hi"), RouteHints.builder().tag("prefer:gpt-4.1").build(),
        10);

    // when
    List<Candidate> plan = new PreferTagged().plan(request, candidates);

    // then it goes first, and the others keep their order
    assertThat(plan).extracting(c -> c.spec().id().value()).containsExactly("gpt-4.1", "gpt-4.1-mini",
        "deepseek-chat");
    // and without the tag the order is the route's
    assertThat(new PreferTagged().plan(new PlanRequest(ChatRequest.ofUser("Hi"), RouteHints.DEFAULT, 10), candidates))
        .containsExactlyElementsOf(candidates);
    // end::unit-test[]
  }

  @Test
  void a_router_test_with_a_scripted_provider() {
    // tag::router-test[]
    // given a router on a scripted provider (no network) and the manual clock, the route table
    // first, then the strategy over its plan
    ManualTicker clock = new ManualTicker();
    ScriptedProvider provider = ScriptedProvider.create("mine", clock);
    RouteTableStrategy table = RouteTableStrategy.builder()
        .route(TaskType.GENERAL, Priority.NORMAL, "gpt-4.1-mini", "deepseek-chat", "gpt-4.1").build();
    Router router = Router.builder().catalog(ModelCatalog.of(MINI, DEEPSEEK, GPT)).provider(provider)
        .strategy(table.andThen(new PreferTagged())).clock(clock).build();

    // when
    RoutedResponse preferred = router.route(ChatRequest.ofUser("Hi"),
        RouteHints.builder().tag("prefer:gpt-4.1").build()).join();
    RoutedResponse plain = router.route(ChatRequest.ofUser("Hi"), RouteHints.DEFAULT).join();

    // then
    assertThat(preferred.model().value()).isEqualTo("gpt-4.1");
    assertThat(plain.model().value()).isEqualTo("gpt-4.1-mini");
    assertThat(provider.callCount("gpt-4.1")).isEqualTo(1);
    // end::router-test[]
  }

  @Test
  void registered_with_guice_under_its_name() {
    ChatProvider provider = ScriptedProvider.create("mine", new ManualTicker());
    // tag::guice[]
    Router router = Guice.createInjector(new RouterModule(), new AbstractModule() {
      @Override
      protected void configure() {
        bind(ModelCatalog.class).toInstance(ModelCatalog.of(MINI, DEEPSEEK, GPT));
        MapBinder.newMapBinder(binder(), ProviderId.class, ChatProvider.class)
            .addBinding(provider.id()).toInstance(provider);
        OptionalBinder.newOptionalBinder(binder(), RouteTableStrategy.class).setBinding().toInstance(
            RouteTableStrategy.builder().route(TaskType.GENERAL, Priority.NORMAL, "gpt-4.1-mini", "gpt-4.1").build());
        // the strategy under its name, then the route table followed by it, joined with '+'
        MapBinder.newMapBinder(binder(), String.class, SelectionStrategy.class)
            .addBinding(PreferTagged.NAME).to(PreferTagged.class);
        OptionalBinder.newOptionalBinder(binder(), Key.get(String.class, StrategyName.class))
            .setBinding().toInstance("route-table+" + PreferTagged.NAME);
      }
    }).getInstance(Router.class);
    // end::guice[]
    assertThat(router.route(ChatRequest.ofUser("Hi"), RouteHints.builder().tag("prefer:gpt-4.1").build()).join()
        .model().value()).isEqualTo("gpt-4.1");
  }
}
