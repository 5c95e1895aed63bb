package dev.sheepdog.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sheepdog.core.RequestNotServableException.Reason;
import dev.sheepdog.core.deferred.InMemoryDeferredQueue;
import dev.sheepdog.spi.ChatRequest;
import dev.sheepdog.spi.CircuitState;
import dev.sheepdog.spi.FailureKind;
import dev.sheepdog.spi.ModelCatalog;
import dev.sheepdog.spi.ModelId;
import dev.sheepdog.spi.ModelSpec;
import dev.sheepdog.spi.Money;
import dev.sheepdog.spi.Priority;
import dev.sheepdog.spi.RouteHints;
import dev.sheepdog.spi.RouterEvent;
import dev.sheepdog.spi.TaskType;
import dev.sheepdog.spi.TokenEstimator;
import dev.sheepdog.testkit.Outcome;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/** Requests no planned model could ever serve fail at once as the caller's error, never as an outage. */
class RequestNotServableTest {
  private final RouterFixture world = new RouterFixture();
  private final InMemoryDeferredQueue queue = new InMemoryDeferredQueue(10, 10);
  /** About 35,000 tokens: more than a (8k) and b (32k) hold, less than c (128k). */
  private final ChatRequest long35k = ChatRequest.ofUser("x".repeat(140_000));

  private static RequestNotServableException notServable(CompletableFuture<?> future) {
    assertThat(future).isCompletedExceptionally();
    Throwable cause = future.handle((v, e) -> e instanceof CompletionException c ? c.getCause() : e).join();
    assertThat(cause).isInstanceOf(RequestNotServableException.class);
    return (RequestNotServableException) cause;
  }

  private static RouteHints.Builder deferrable() {
    return RouteHints.builder().allowDeferral(true).requestId("r-1");
  }

  private void assertNothingWasTriedOrDeferred() {
    assertThat(world.p1.calls()).isEmpty();
    assertThat(world.p2.calls()).isEmpty();
    assertThat(queue.queued()).isZero();
    assertThat(world.events(RouterEvent.RequestDeferred.class)).isEmpty();
    assertThat(world.events(RouterEvent.AttemptStarted.class)).isEmpty();
    assertThat(world.events(RouterEvent.RequestFailed.class)).singleElement()
        .satisfies(f -> assertThat(f.requestId()).isEqualTo("r-1"));
  }

  @Test
  void a_prompt_beyond_every_planned_window_fails_at_once_naming_the_largest_window() {
    // given
    Router router = world.builder().deferredQueue(queue).build();
    long prompt = TokenEstimator.CHARS_PER_TOKEN.estimatePromptTokens(long35k);
    // when
    RequestNotServableException e = notServable(router.route(long35k,
        deferrable().pin(ModelId.of("a"), ModelId.of("b")).build()));
    // then
    assertThat(e.reason()).isEqualTo(Reason.PROMPT_TOO_LONG);
    assertThat(e.model()).isEqualTo(ModelId.of("b"));
    assertThat(e.limit()).isEqualTo(32_000);
    assertThat(e.estimate()).isEqualTo(prompt);
    assertThat(e.getMessage()).contains("32000").contains(String.valueOf(prompt));
    assertThat(e.requestId()).isEqualTo("r-1");
    assertThat(e.attempts()).isEmpty();
    assertNothingWasTriedOrDeferred();
  }

  @Test
  void a_max_cost_below_every_planned_model_fails_at_once_naming_the_cheapest_estimate() {
    // given: general:normal plans a, b, c; 2,000 output tokens cost at least $0.004 on a
    Router router = world.builder().deferredQueue(queue).build();
    // when
    RequestNotServableException e = notServable(router.route(ChatRequest.ofUser("Hello"),
        deferrable().maxCost(Money.ofUsd("0.0001")).build()));
    // then
    assertThat(e.reason()).isEqualTo(Reason.OVER_MAX_COST);
    assertThat(e.model()).isEqualTo(ModelId.of("a"));
    assertThat(e.limit()).isEqualTo(Money.ofUsd("0.0001").nanos());
    assertThat(e.estimate()).isGreaterThanOrEqualTo(Money.ofUsd("0.004").nanos());
    assertThat(e.getMessage()).contains("$0.0001").contains("$0.004");
    assertNothingWasTriedOrDeferred();
  }

  @Test
  void a_reservation_above_every_planned_tpm_limit_fails_at_once_and_is_not_a_rate_limit() {
    // given: a allows 4,000 tokens a minute, b 3,000; the request reserves its prompt and 5,000 output tokens
    ModelCatalog catalog = ModelCatalog.of(
        ModelSpec.builder("a", "p1").limits(0, 4_000).build(),
        ModelSpec.builder("b", "p1").limits(0, 3_000).build());
    Router router = Router.builder().catalog(catalog).provider(world.p1).clock(world.ticker).listener(world.recorder)
        .strategy(RouteTableStrategy.builder().route(TaskType.GENERAL, Priority.NORMAL, "a", "b").build())
        .deferredQueue(queue).build();
    ChatRequest request = ChatRequest.builder().user("Hello").maxTokens(5_000).build();
    // when
    RequestNotServableException e = notServable(router.route(request, deferrable().build()));
    // then
    assertThat(e.reason()).isEqualTo(Reason.OVER_TOKEN_LIMIT);
    assertThat(e.model()).isEqualTo(ModelId.of("a"));
    assertThat(e.limit()).isEqualTo(4_000);
    assertThat(e.estimate()).isGreaterThan(5_000);
    assertThat(e.getMessage()).contains("4000");
    assertNothingWasTriedOrDeferred();
  }

  @Test
  void when_models_fail_different_checks_the_reason_is_the_last_check_one_of_them_reached() {
    // given: ~12,000 tokens; a (8k) is too small, c fits but costs ~$0.048 against a $0.01 cap
    Router router = world.builder().deferredQueue(queue).build();
    ChatRequest long12k = ChatRequest.ofUser("x".repeat(48_000));
    // when
    RequestNotServableException e = notServable(router.route(long12k,
        deferrable().pin(ModelId.of("a"), ModelId.of("c")).maxCost(Money.ofUsd("0.01")).build()));
    // then
    assertThat(e.reason()).isEqualTo(Reason.OVER_MAX_COST);
    assertThat(e.model()).isEqualTo(ModelId.of("c"));
    assertNothingWasTriedOrDeferred();
  }

  @Test
  void a_plan_with_one_model_that_fits_routes_to_it() {
    // given: a is too small for ~35,000 tokens and b too, c fits
    Router router = world.builder().deferredQueue(queue).build();
    // when
    RoutedResponse answer = router.route(long35k,
        RouteHints.builder().pin(ModelId.of("a"), ModelId.of("b"), ModelId.of("c")).build()).join();
    // then
    assertThat(answer.model().value()).isEqualTo("c");
    assertThat(world.p1.callCount("c")).isEqualTo(1);
  }

  @Test
  void a_stream_that_can_never_be_served_ends_with_the_error_on_its_listener() {
    // given
    Router router = world.builder().deferredQueue(queue).build();
    StreamRoutingTest.RecordingListener listener = new StreamRoutingTest.RecordingListener();
    // when
    router.stream(long35k, deferrable().pin(ModelId.of("a"), ModelId.of("b")).build(), listener);
    // then
    assertThat(listener.errors).singleElement().isInstanceOfSatisfying(RequestNotServableException.class,
        e -> assertThat(e.reason()).isEqualTo(Reason.PROMPT_TOO_LONG));
    assertThat(listener.completions).isEmpty();
    assertNothingWasTriedOrDeferred();
  }

  @Test
  void a_model_whose_tokens_per_minute_are_below_the_reservation_is_left_out_rather_than_waited_for() {
    // given: a allows 4,000 tokens a minute, less than the request reserves; b's circuit is open, and the
    // router probes the earliest circuit when every model it could use is open
    ModelCatalog catalog = ModelCatalog.of(
        ModelSpec.builder("a", "p1").limits(0, 4_000).build(),
        ModelSpec.builder("b", "p1").build());
    world.p1.model("b").times(3, Outcome.fail(FailureKind.UNAVAILABLE, 503)).thenAlways(Outcome.ok("from b"));
    Router router = Router.builder().catalog(catalog).provider(world.p1).clock(world.ticker).listener(world.recorder)
        .strategy(RouteTableStrategy.builder().route(TaskType.GENERAL, Priority.NORMAL, "a", "b").build())
        .settings(RouterSettings.defaults().withRetry(RetryConfig.noRetries())
            .withAllOpenPolicy(AllOpenPolicy.PROBE_EARLIEST))
        .build();
    for (int i = 0; i < 3; i++) {
      router.route(ChatRequest.ofUser("Hi"), RouteHints.builder().pin(ModelId.of("b")).build());
    }
    assertThat(router.healthReport().model("b").orElseThrow().state()).isEqualTo(CircuitState.OPEN);
    ChatRequest request = ChatRequest.builder().user("Hello").maxTokens(5_000).build();
    // when
    RoutedResponse answer = router.route(request, RouteHints.DEFAULT).join();
    // then: a can never take it, so b is the only model to wait for, and it is probed
    assertThat(answer.model()).isEqualTo(ModelId.of("b"));
    assertThat(world.p1.callCount("a")).isZero();
  }
}
