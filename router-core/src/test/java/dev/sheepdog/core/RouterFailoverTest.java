package dev.sheepdog.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sheepdog.spi.AlertType;
import dev.sheepdog.spi.ChatMessage;
import dev.sheepdog.spi.ChatRequest;
import dev.sheepdog.spi.CircuitState;
import dev.sheepdog.spi.FailureKind;
import dev.sheepdog.spi.ModelId;
import dev.sheepdog.spi.Money;
import dev.sheepdog.spi.Priority;
import dev.sheepdog.spi.RouteHints;
import dev.sheepdog.spi.RouterEvent;
import dev.sheepdog.spi.SkipReason;
import dev.sheepdog.spi.TaskType;
import dev.sheepdog.spi.Usage;
import dev.sheepdog.testkit.Outcome;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

class RouterFailoverTest {
  private final RouterFixture world = new RouterFixture();
  private final ChatRequest hello = ChatRequest.ofUser("Hello");

  @Test
  void a_503_from_the_primary_is_answered_by_the_next_model() {
    // given
    world.p1.model("a").then(Outcome.fail(FailureKind.UNAVAILABLE, 503));
    world.p1.model("b").then(Outcome.ok("from b").withUsage(100, 50));
    Router router = world.router();
    // when
    RoutedResponse answer = router.route(hello, RouteHints.DEFAULT).join();
    // then
    assertThat(answer.model()).isEqualTo(ModelId.of("b"));
    assertThat(answer.content()).isEqualTo("from b");
    assertThat(answer.attempts()).extracting(Attempt::model, Attempt::failure, Attempt::httpStatus)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(ModelId.of("a"), FailureKind.UNAVAILABLE, 503),
            org.assertj.core.groups.Tuple.tuple(ModelId.of("b"), null, 200));
    assertThat(answer.failedOver()).isTrue();
    // b costs $2 / $4 per 1M: 100 × 2,000 + 50 × 4,000 nano-dollars
    assertThat(answer.cost()).isEqualTo(Money.ofNanos(400_000));
    assertThat(answer.usage()).isEqualTo(new Usage(100, 50));
  }

  @Test
  void a_bad_request_is_returned_without_failover() {
    // given
    world.p1.model("a").then(Outcome.fail(FailureKind.BAD_REQUEST, 400));
    Router router = world.router();
    // when / then
    assertThatThrownBy(() -> router.route(hello, RouteHints.DEFAULT).join())
        .isInstanceOf(CompletionException.class)
        .cause()
        .isInstanceOfSatisfying(RequestRejectedException.class, e -> {
          assertThat(e.kind()).isEqualTo(FailureKind.BAD_REQUEST);
          assertThat(e.httpStatus()).isEqualTo(400);
          assertThat(e.attempts()).hasSize(1);
        });
    assertThat(world.p1.callCount("b")).isZero();
    assertThat(router.healthReport().model("a").orElseThrow().state()).isEqualTo(CircuitState.CLOSED);
  }

  @Test
  void a_prompt_too_long_goes_only_to_models_with_a_larger_window() {
    // given: code_generation plans c (128k) then b (32k); general plans a (8k), b, c
    world.p1.model("a").then(Outcome.fail(FailureKind.CONTEXT_TOO_LONG, 400));
    world.p1.model("b").then(Outcome.fail(FailureKind.CONTEXT_TOO_LONG, 400));
    Router router = world.router();
    // when
    RoutedResponse answer = router.route(hello, RouteHints.DEFAULT).join();
    // then
    assertThat(answer.model()).isEqualTo(ModelId.of("c"));
    assertThat(answer.attempts()).extracting(Attempt::model).extracting(ModelId::value).containsExactly("a", "b", "c");
  }

  @Test
  void a_prompt_too_long_for_every_larger_model_is_rejected() {
    // given: c (128k) fails, b (32k) is smaller, so nothing is left
    world.p1.model("c").then(Outcome.fail(FailureKind.CONTEXT_TOO_LONG, 400));
    Router router = world.router();
    RouteHints code = RouteHints.of(TaskType.CODE_GENERATION, Priority.NORMAL);
    // when / then
    assertThatThrownBy(() -> router.route(hello, code).join()).cause()
        .isInstanceOfSatisfying(RequestRejectedException.class,
            e -> assertThat(e.kind()).isEqualTo(FailureKind.CONTEXT_TOO_LONG));
    assertThat(world.p1.callCount("b")).isZero();
  }

  @Test
  void a_prompt_estimated_beyond_a_window_skips_that_model() {
    // given: ~12k tokens of text; a has an 8k window
    ChatRequest big = ChatRequest.builder().message(ChatMessage.user("x".repeat(48_000))).build();
    Router router = world.router();
    // when
    RoutedResponse answer = router.route(big, RouteHints.DEFAULT).join();
    // then
    assertThat(answer.model()).isEqualTo(ModelId.of("b"));
    assertThat(world.events(RouterEvent.ModelSkipped.class))
        .anySatisfy(s -> assertThat(s.reason()).isEqualTo(SkipReason.CONTEXT_TOO_SMALL));
  }

  @Test
  void a_429_keeps_the_model_out_until_its_retry_after() {
    // given
    world.p1.model("a").then(Outcome.rateLimited(Duration.ofSeconds(2)));
    Router router = world.router();
    // when
    RoutedResponse first = router.route(hello, RouteHints.DEFAULT).join();
    world.ticker.advance(Duration.ofMillis(1_999));
    RoutedResponse during = router.route(hello, RouteHints.DEFAULT).join();
    world.ticker.advance(Duration.ofMillis(1));
    RoutedResponse after = router.route(hello, RouteHints.DEFAULT).join();
    // then
    assertThat(first.model().value()).isEqualTo("b");
    assertThat(during.model().value()).isEqualTo("b");
    assertThat(after.model().value()).isEqualTo("a");
    assertThat(world.p1.callCount("a")).isEqualTo(2);
    assertThat(router.healthReport().model("a").orElseThrow().state())
        .as("a 429 is a cool-down, not a failure").isEqualTo(CircuitState.CLOSED);
  }

  @Test
  void a_401_isolates_every_model_of_the_provider_raises_an_alert_and_is_not_retried() {
    // given: p1 serves a, b, c; the fast route is x (p2), a (p1)
    world.p1.model("a").then(Outcome.fail(FailureKind.UNAUTHORIZED, 401));
    Router router = world.router();
    // when
    CompletableFuture<RoutedResponse> general = router.route(hello, RouteHints.DEFAULT);
    world.ticker.advance(Duration.ofSeconds(30));
    // then
    assertThat(world.p1.callCount("a")).isEqualTo(1);
    assertThat(world.p1.callCount("b")).as("not retried on another model of the same key").isZero();
    assertThat(world.p1.callCount("c")).isZero();
    assertThat(general).isCompletedExceptionally();
    HealthReport report = router.healthReport();
    assertThat(report.models()).filteredOn(m -> m.provider().value().equals("p1"))
        .allSatisfy(m -> assertThat(m.state()).isEqualTo(CircuitState.OPEN));
    assertThat(world.events(RouterEvent.Alert.class))
        .filteredOn(a -> a.type() == AlertType.PROVIDER_UNAUTHORIZED)
        .singleElement().satisfies(a -> assertThat(a.subject()).isEqualTo("p1"));
    // and the other provider still serves
    RoutedResponse fast = router.route(hello, RouteHints.of(TaskType.GENERAL, Priority.FAST)).join();
    assertThat(fast.model().value()).isEqualTo("x");
  }

  @Test
  void unknown_task_plans_as_general_and_missing_priority_row_as_normal() {
    // given
    Router router = world.router();
    // when
    RoutedResponse unknownTask = router.route(hello, RouteHints.of(TaskType.of("poetry"), Priority.NORMAL)).join();
    RoutedResponse codeHigh = router.route(hello, RouteHints.of(TaskType.CODE_GENERATION, Priority.HIGH)).join();
    // then
    assertThat(unknownTask.model().value()).isEqualTo("a");
    assertThat(codeHigh.model().value()).as("code_generation has no high row: its normal row").isEqualTo("c");
    assertThat(Priority.parse("urgent")).isEmpty();
    assertThat(Priority.parse("HIGH")).contains(Priority.HIGH);
  }

  @Test
  void the_tutorial_table_plans_its_rows() {
    RouteTableStrategy table = RouteTableStrategy.tutorialDefaults();
    assertThat(table.row(TaskType.SIMPLE_QA, Priority.FAST)).extracting(ModelId::value)
        .containsExactly("deepseek-chat", "gemini-2.5-flash-preview-05-20", "gpt-4.1-mini");
    assertThat(table.row(TaskType.of("unknown"), Priority.NORMAL)).extracting(ModelId::value)
        .containsExactly("gpt-4.1-mini", "claude-3-5-sonnet-latest", "gpt-4.1");
    assertThat(table.row(TaskType.COMPLEX_REASONING, Priority.HIGH)).extracting(ModelId::value)
        .containsExactly("gpt-4.1", "claude-sonnet-4-20250514");
  }

  @Test
  void pinned_models_replace_the_plan_in_their_order() {
    // given
    world.p1.model("c").then(Outcome.fail(FailureKind.TIMEOUT));
    Router router = world.router();
    RouteHints pinned = RouteHints.builder().pin(ModelId.of("c"), ModelId.of("x")).build();
    // when
    RoutedResponse answer = router.route(hello, pinned).join();
    // then
    assertThat(answer.attempts()).extracting(a -> a.model().value()).containsExactly("c", "x");
  }

  @Test
  void a_per_request_cost_cap_skips_models_estimated_above_it() {
    // given: the prompt is a few tokens and max_tokens 2,000; a costs 2,000 × 2,000 nano$ ≈ $0.004 of output
    Router router = world.router();
    RouteHints cheap = RouteHints.builder().priority(Priority.FAST).maxCost(Money.ofUsd("0.003")).build();
    // when
    RoutedResponse answer = router.route(hello, cheap).join();
    // then: x costs ≈ $0.002, a ≈ $0.004
    assertThat(answer.model().value()).isEqualTo("x");
    RouteHints tooCheap = RouteHints.builder().maxCost(Money.ofUsd("0.0001")).build();
    assertThatThrownBy(() -> router.route(hello, tooCheap).join()).cause()
        .isInstanceOfSatisfying(RequestNotServableException.class,
            e -> assertThat(e.reason()).isEqualTo(RequestNotServableException.Reason.OVER_MAX_COST));
  }

  @Test
  void a_listener_that_throws_does_not_break_routing() {
    // given
    Router router = world.builder().listener(event -> { throw new IllegalStateException("boom"); }).build();
    // when
    RoutedResponse answer = router.route(hello, RouteHints.DEFAULT).join();
    // then
    assertThat(answer.model().value()).isEqualTo("a");
    assertThat(router.listenerFailures()).isPositive();
  }

  @Test
  void a_smaller_models_context_too_long_leaves_the_request_to_a_larger_planned_model() {
    // given: code_generation plans c (128k) then b (32k); c is down once, b says the prompt is too long
    world.p1.model("c").then(Outcome.fail(FailureKind.UNAVAILABLE, 503));
    world.p1.model("b").then(Outcome.fail(FailureKind.CONTEXT_TOO_LONG, 400));
    Router router = world.router();
    // when: the next round returns to c, whose window is larger
    CompletableFuture<RoutedResponse> answer = router.route(hello,
        RouteHints.builder().task(TaskType.CODE_GENERATION).build());
    world.ticker.advance(Duration.ofSeconds(3));
    // then
    assertThat(answer.join().model()).isEqualTo(ModelId.of("c"));
    assertThat(answer.join().attempts()).extracting(x -> x.model().value() + "@" + x.round())
        .containsExactly("c@1", "b@1", "c@2");
  }

  @Test
  void a_catalog_model_whose_provider_is_not_registered_fails_the_build() {
    // given: x is served by p2, which is not registered
    // when / then
    assertThatThrownBy(() -> Router.builder().catalog(RouterFixture.CATALOG).provider(world.p1)
        .strategy(RouterFixture.TABLE).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("x").hasMessageContaining("p2").hasMessageContaining("not registered");
  }

  @Test
  void the_builder_names_what_is_wrong() {
    assertThatThrownBy(() -> Router.builder().build()).hasMessageContaining("catalog");
    assertThatThrownBy(() -> Router.builder().catalog(RouterFixture.CATALOG).build())
        .hasMessageContaining("deepseek-chat").hasMessageContaining("not in the catalog");
    assertThatThrownBy(() -> Router.builder().catalog(RouterFixture.CATALOG).catalog(RouterFixture.CATALOG))
        .hasMessageContaining("catalog is given twice");
  }
}
