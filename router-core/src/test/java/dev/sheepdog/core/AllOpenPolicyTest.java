package dev.sheepdog.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sheepdog.spi.ChatRequest;
import dev.sheepdog.spi.CircuitState;
import dev.sheepdog.spi.FailureKind;
import dev.sheepdog.spi.ModelId;
import dev.sheepdog.spi.RouteHints;
import dev.sheepdog.spi.RouterEvent;
import dev.sheepdog.testkit.Outcome;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class AllOpenPolicyTest {
  private final RouterFixture world = new RouterFixture();
  private final ChatRequest hello = ChatRequest.ofUser("Hello");

  private Router router(AllOpenPolicy policy) {
    RouterSettings d = RouterSettings.defaults();
    return world.router(new RouterSettings(d.deadline(), d.attemptTimeout(), d.retry(), d.circuit(), policy,
        d.defaultRetryAfter()));
  }

  /** Opens a for 60 s, b for 30 s and c for 45 s: b's window ends first. */
  private void openEveryCircuit(Router router) {
    open(router, "a", 60);
    open(router, "b", 30);
    open(router, "c", 45);
  }

  private void open(Router router, String model, long seconds) {
    ((ModelHealth) router.candidate(ModelId.of(model))).breaker()
        .forceOpen(world.ticker.nanoTime(), Duration.ofSeconds(seconds).toNanos());
  }

  private CircuitState stateOf(Router router, String model) {
    return router.healthReport().model(model).orElseThrow().state();
  }

  @Test
  void fail_fast_answers_at_once_with_the_time_until_the_first_circuit_half_opens() {
    // given
    Router router = router(AllOpenPolicy.FAIL_FAST);
    openEveryCircuit(router);
    world.ticker.advance(Duration.ofSeconds(10));
    // when
    CompletableFuture<RoutedResponse> answer = router.route(hello, RouteHints.DEFAULT);
    // then
    AllModelsFailedException e = RetryRoundsTest.allFailed(answer);
    assertThat(e.retryAfter()).contains(Duration.ofSeconds(20));
    assertThat(e.getMessage()).contains("CIRCUIT_OPEN");
    assertThat(e.attempts()).isEmpty();
    assertThat(world.p1.calls()).isEmpty();
    assertThat(List.of(stateOf(router, "a"), stateOf(router, "b"), stateOf(router, "c")))
        .containsOnly(CircuitState.OPEN);
  }

  @Test
  void probe_earliest_sends_exactly_one_probe_to_the_model_whose_window_ends_first() {
    // given
    Router router = router(AllOpenPolicy.PROBE_EARLIEST);
    openEveryCircuit(router);
    // when
    RoutedResponse answer = router.route(hello, RouteHints.DEFAULT).join();
    // then
    assertThat(answer.model().value()).isEqualTo("b");
    assertThat(world.p1.calls()).extracting(c -> c.model().value()).containsExactly("b");
    assertThat(stateOf(router, "b")).isEqualTo(CircuitState.CLOSED);
    assertThat(stateOf(router, "a")).isEqualTo(CircuitState.OPEN);
    assertThat(stateOf(router, "c")).isEqualTo(CircuitState.OPEN);
    assertThat(world.events(RouterEvent.CircuitTransition.class))
        .filteredOn(t -> t.model().value().equals("b"))
        .extracting(t -> t.from() + "->" + t.to())
        .containsExactly("CLOSED->OPEN", "OPEN->HALF_OPEN", "HALF_OPEN->CLOSED");
  }

  @Test
  void a_failed_early_probe_is_not_followed_by_another() {
    // given
    Router router = router(AllOpenPolicy.PROBE_EARLIEST);
    openEveryCircuit(router);
    world.p1.model("b").then(Outcome.fail(FailureKind.UNAVAILABLE, 503));
    // when
    CompletableFuture<RoutedResponse> answer = router.route(hello, RouteHints.DEFAULT);
    world.ticker.advance(Duration.ofSeconds(10));
    // then
    AllModelsFailedException e = RetryRoundsTest.allFailed(answer);
    assertThat(e.attempts()).extracting(x -> x.model().value()).containsExactly("b");
    assertThat(world.p1.calls()).hasSize(1);
    assertThat(stateOf(router, "b")).isEqualTo(CircuitState.OPEN);
  }
}
