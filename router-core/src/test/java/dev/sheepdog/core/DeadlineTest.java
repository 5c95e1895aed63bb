package dev.sheepdog.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sheepdog.spi.ChatRequest;
import dev.sheepdog.spi.FailureKind;
import dev.sheepdog.spi.ModelId;
import dev.sheepdog.spi.RouteHints;
import dev.sheepdog.testkit.Outcome;
import dev.sheepdog.testkit.ScriptedProvider;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

class DeadlineTest {
  private final RouterFixture world = new RouterFixture();
  private final ChatRequest hello = ChatRequest.ofUser("Hello");
  private final RouteHints fiveSeconds = RouteHints.builder().deadline(Duration.ofSeconds(5)).build();
  private final RouteHints onlyAWithinFiveSeconds = RouteHints.builder().pin(ModelId.of("a"))
      .deadline(Duration.ofSeconds(5)).build();

  private static Throwable failureOf(CompletableFuture<?> future) {
    return future.handle((v, e) -> e instanceof CompletionException c ? c.getCause() : e).join();
  }

  private ScriptedProvider.Call callTo(String model) {
    return world.p1.calls().stream().filter(c -> c.model().value().equals(model)).findFirst().orElseThrow();
  }

  @Test
  void a_provider_that_hangs_past_its_timeout_ends_the_request_exactly_at_the_deadline() {
    // given
    world.p1.ignoreTimeouts();
    world.p1.model("a").then(Outcome.hang());
    Router router = world.router();
    // when
    CompletableFuture<RoutedResponse> answer = router.route(hello, onlyAWithinFiveSeconds);
    world.ticker.advance(Duration.ofMillis(4_999));
    boolean doneEarly = answer.isDone();
    world.ticker.advance(Duration.ofMillis(1));
    // then
    assertThat(doneEarly).isFalse();
    assertThat(failureOf(answer)).isInstanceOf(RoutingException.class);
    assertThat(callTo("a").wasCancelled()).isTrue();
    assertThat(callTo("a").options().timeout()).as("capped by the deadline").isEqualTo(Duration.ofSeconds(5));
  }

  @Test
  void a_request_that_reaches_its_deadline_fails_with_deadline_exceeded() {
    // given
    world.p1.ignoreTimeouts();
    world.p1.model("a").then(Outcome.hang());
    Router router = world.router();
    // when
    CompletableFuture<RoutedResponse> answer = router.route(hello, onlyAWithinFiveSeconds);
    world.ticker.advance(Duration.ofSeconds(5));
    // then
    assertThat(failureOf(answer)).isInstanceOfSatisfying(DeadlineExceededException.class,
        e -> assertThat(e.deadline()).isEqualTo(Duration.ofSeconds(5)));
  }

  @Test
  void no_model_is_called_once_the_deadline_has_passed() {
    // given
    world.p1.ignoreTimeouts();
    world.p1.model("a").then(Outcome.hang());
    Router router = world.router();
    // when
    CompletableFuture<RoutedResponse> answer = router.route(hello, fiveSeconds);
    world.ticker.advance(Duration.ofSeconds(5));
    // then
    assertThat(failureOf(answer)).isInstanceOf(DeadlineExceededException.class);
    assertThat(world.p1.calls()).extracting(c -> c.model().value()).containsExactly("a");
  }

  @Test
  void an_attempt_that_passes_its_own_timeout_fails_over_to_the_next_model() {
    // given
    world.p1.model("a").then(Outcome.hang());
    RouterSettings d = RouterSettings.defaults();
    Router router = world.router(new RouterSettings(d.deadline(), Duration.ofSeconds(1), d.retry(), d.circuit(),
        d.allOpenPolicy(), d.defaultRetryAfter()));
    // when
    CompletableFuture<RoutedResponse> answer = router.route(hello, RouteHints.DEFAULT);
    world.ticker.advance(Duration.ofMillis(999));
    boolean doneEarly = answer.isDone();
    world.ticker.advance(Duration.ofMillis(1));
    // then
    assertThat(doneEarly).isFalse();
    RoutedResponse routed = answer.join();
    assertThat(routed.model().value()).isEqualTo("b");
    assertThat(routed.attempts()).extracting(x -> x.model().value() + ":" + x.failure())
        .containsExactly("a:TIMEOUT", "b:null");
    assertThat(routed.attempts().get(0).latency()).isEqualTo(Duration.ofSeconds(1));
  }

  @Test
  void cancelling_the_returned_future_cancels_the_call_in_flight_and_calls_no_other_model() {
    // given
    world.p1.model("a").then(Outcome.hang());
    Router router = world.router();
    CompletableFuture<RoutedResponse> answer = router.route(hello, RouteHints.DEFAULT);
    // when
    answer.cancel(true);
    world.ticker.advance(Duration.ofMinutes(2));
    // then
    assertThat(callTo("a").wasCancelled()).isTrue();
    assertThat(world.p1.calls()).hasSize(1);
    assertThat(router.healthReport().model("a").orElseThrow().failuresByKind())
        .doesNotContainKey(FailureKind.TIMEOUT);
    assertThat(router.healthReport().model("a").orElseThrow().inFlight()).isZero();
  }
}
