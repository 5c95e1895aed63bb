package dev.sheepdog.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sheepdog.spi.ChatRequest;
import dev.sheepdog.spi.FailureKind;
import dev.sheepdog.spi.RouteHints;
import dev.sheepdog.testkit.Outcome;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

class RetryRoundsTest {
  private final RouterFixture world = new RouterFixture();
  private final ChatRequest hello = ChatRequest.ofUser("Hello");
  private final Outcome down = Outcome.fail(FailureKind.UNAVAILABLE, 503);

  static AllModelsFailedException allFailed(CompletableFuture<?> future) {
    assertThat(future).isCompletedExceptionally();
    Throwable cause = future.handle((v, e) -> e instanceof CompletionException c ? c.getCause() : e).join();
    assertThat(cause).isInstanceOf(AllModelsFailedException.class);
    return (AllModelsFailedException) cause;
  }

  private static RouterSettings settings(RetryConfig retry, CircuitBreakerConfig circuit) {
    RouterSettings d = RouterSettings.defaults();
    return new RouterSettings(d.deadline(), d.attemptTimeout(), retry, circuit, d.allOpenPolicy(),
        d.defaultRetryAfter());
  }

  @Test
  void when_every_model_fails_a_second_round_runs_after_the_jittered_backoff() {
    // given
    world.p1.model("a").then(down);
    world.p1.model("b").then(down);
    world.p1.model("c").then(down);
    Router router = world.router();
    // when
    CompletableFuture<RoutedResponse> answer = router.route(hello, RouteHints.DEFAULT);
    // then: 2 s ± 20 %
    assertThat(world.p1.calls()).hasSize(3);
    world.ticker.advance(Duration.ofMillis(1_599));
    assertThat(answer).isNotDone();
    assertThat(world.p1.calls()).hasSize(3);
    world.ticker.advance(Duration.ofMillis(801));
    assertThat(answer).isDone();
    RoutedResponse routed = answer.join();
    assertThat(routed.model().value()).isEqualTo("a");
    assertThat(routed.attempts()).extracting(x -> x.model().value() + "@" + x.round())
        .containsExactly("a@1", "b@1", "c@1", "a@2");
  }

  @Test
  void after_three_rounds_the_request_fails_with_the_whole_trail_and_a_retry_time() {
    // given
    world.p1.model("a").thenAlways(down);
    world.p1.model("b").thenAlways(down);
    world.p1.model("c").thenAlways(down);
    Router router = world.router();
    // when
    CompletableFuture<RoutedResponse> answer = router.route(hello, RouteHints.DEFAULT);
    world.ticker.advance(Duration.ofMillis(2_400));
    world.ticker.advance(Duration.ofMillis(4_800));
    // then: round 3 waits 4 s ± 20 %
    AllModelsFailedException e = allFailed(answer);
    assertThat(e.getMessage()).contains("every model failed in 3 round(s)");
    assertThat(e.attempts()).extracting(x -> x.model().value() + "@" + x.round())
        .containsExactly("a@1", "b@1", "c@1", "a@2", "b@2", "c@2", "a@3", "b@3", "c@3");
    assertThat(e.failureKinds()).containsOnly(FailureKind.UNAVAILABLE);
    assertThat(e.getSuppressed()).hasSize(9);
    assertThat(e.retryAfter()).as("the third failure opened every circuit for 60 s")
        .contains(Duration.ofSeconds(60));
    assertThat(e.rateLimited()).isFalse();
    world.ticker.advance(Duration.ofMinutes(5));
    assertThat(world.p1.calls()).hasSize(9);
  }

  @Test
  void when_the_next_backoff_would_pass_the_deadline_the_request_fails_at_once() {
    // given
    world.p1.model("a").then(down);
    world.p1.model("b").then(down);
    world.p1.model("c").then(down);
    Router router = world.router();
    RouteHints oneSecond = RouteHints.builder().deadline(Duration.ofSeconds(1)).build();
    // when
    CompletableFuture<RoutedResponse> answer = router.route(hello, oneSecond);
    // then: no time moved
    AllModelsFailedException e = allFailed(answer);
    assertThat(e.getMessage()).contains("no time left");
    assertThat(e.attempts()).hasSize(3);
    assertThat(world.ticker.pendingTasks()).isZero();
  }

  @Test
  void during_a_long_outage_the_retry_budget_caps_retries_at_a_fifth_of_requests() {
    // given: every model down; circuits that would not trip in this test, so that only the budget limits calls
    world.p1.model("a").thenAlways(down);
    world.p1.model("b").thenAlways(down);
    world.p1.model("c").thenAlways(down);
    RetryConfig retry = RetryConfig.defaults().withBudget(0.2, 3, Duration.ofSeconds(10));
    CircuitBreakerConfig neverTrips = CircuitBreakerConfig.defaults().withConsecutiveFailures(1_000)
        .withFailureRate(1.0, 56, 56);
    Router router = world.router(settings(retry, neverTrips));
    int requests = 40;
    // when
    List<CompletableFuture<RoutedResponse>> answers = new ArrayList<>();
    for (int i = 0; i < requests; i++) {
      answers.add(router.route(hello, RouteHints.DEFAULT));
    }
    world.ticker.advance(Duration.ofSeconds(9));
    // then: 40 first rounds and max(3, 0.2 × 40) = 8 retry rounds, 3 calls each; unbudgeted it would be 360
    assertThat(answers).allSatisfy(f -> assertThat(f).isCompletedExceptionally());
    assertThat(world.p1.calls()).hasSize(3 * (requests + 8));
    long spent = answers.stream().map(RetryRoundsTest::allFailed)
        .filter(e -> e.getMessage().contains("the retry budget is spent")).count();
    assertThat(spent).isEqualTo(requests);
  }

  private void coolDownEveryModel(Router router) {
    // A request that meets a 429 everywhere puts each model in its cool-down: b frees up first, at 3 s.
    world.p1.model("a").then(Outcome.rateLimited(Duration.ofSeconds(5)));
    world.p1.model("b").then(Outcome.rateLimited(Duration.ofSeconds(3)));
    world.p1.model("c").then(Outcome.rateLimited(Duration.ofSeconds(4)));
    CompletableFuture<RoutedResponse> seed = router.route(hello, RouteHints.builder().deadline(Duration.ofSeconds(1))
        .build());
    assertThat(seed).isCompletedExceptionally();
  }

  @Test
  void when_every_model_cools_down_after_a_429_the_request_waits_for_the_earliest_retry_after() {
    // given
    Router router = world.router();
    coolDownEveryModel(router);
    // when
    CompletableFuture<RoutedResponse> answer = router.route(hello, RouteHints.DEFAULT);
    // then
    world.ticker.advance(Duration.ofMillis(2_999));
    assertThat(answer).isNotDone();
    assertThat(world.p1.calls()).hasSize(3);
    world.ticker.advance(Duration.ofMillis(1));
    assertThat(answer.join().model().value()).isEqualTo("b");
    assertThat(answer.join().attempts()).singleElement().satisfies(x -> assertThat(x.round()).isEqualTo(2));
  }

  @Test
  void when_the_earliest_retry_after_is_past_the_deadline_the_request_fails_fast_as_rate_limited() {
    // given
    Router router = world.router();
    coolDownEveryModel(router);
    // when
    CompletableFuture<RoutedResponse> answer = router.route(hello,
        RouteHints.builder().deadline(Duration.ofSeconds(2)).build());
    // then
    AllModelsFailedException e = allFailed(answer);
    assertThat(e.rateLimited()).isTrue();
    assertThat(e.retryAfter()).contains(Duration.ofSeconds(3));
    assertThat(e.attempts()).isEmpty();
    assertThat(world.p1.calls()).hasSize(3);
  }

  @Test
  void when_a_401_isolates_every_planned_model_the_request_fails_at_once_without_a_retry_round() {
    // given: a, b and c are all served by p1, whose key a 401 says is wrong
    world.p1.model("a").then(Outcome.fail(FailureKind.UNAUTHORIZED, 401));
    Router router = world.router();
    // when
    CompletableFuture<RoutedResponse> answer = router.route(hello, RouteHints.DEFAULT);
    // then: no round could call any of them before the provider's isolation ends
    AllModelsFailedException e = allFailed(answer);
    assertThat(e.retryAfter()).contains(Duration.ofSeconds(60));
    assertThat(world.p1.calls()).hasSize(1);
    assertThat(world.ticker.pendingTasks()).isZero();
  }
}
