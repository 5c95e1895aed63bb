package dev.sheepdog.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sheepdog.spi.ChatRequest;
import dev.sheepdog.spi.CircuitState;
import dev.sheepdog.spi.FailureKind;
import dev.sheepdog.spi.RouteHints;
import dev.sheepdog.spi.RouterEvent;
import dev.sheepdog.testkit.Outcome;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** Circuits as the router uses them: plan a, b, c; a is the model that breaks. */
class CircuitBreakerRouterTest {
  private final RouterFixture world = new RouterFixture();
  private final ChatRequest hello = ChatRequest.ofUser("Hello");

  private String route(Router router) {
    return router.route(hello, RouteHints.DEFAULT).join().model().value();
  }

  private CircuitState stateOf(Router router, String model) {
    return router.healthReport().model(model).orElseThrow().state();
  }

  private Router routerWithOpenA() {
    world.p1.model("a").times(3, Outcome.fail(FailureKind.UNAVAILABLE, 503));
    Router router = world.router();
    for (int i = 0; i < 3; i++) {
      assertThat(route(router)).isEqualTo("b");
    }
    assertThat(stateOf(router, "a")).isEqualTo(CircuitState.OPEN);
    return router;
  }

  @Test
  void three_consecutive_failures_open_the_circuit_and_keep_traffic_away_for_60_s() {
    // given
    Router router = routerWithOpenA();
    // when: traffic during the open window
    world.ticker.advance(Duration.ofSeconds(59));
    String during = route(router);
    world.ticker.advance(Duration.ofMillis(999));
    String justBefore = route(router);
    // then
    assertThat(during).isEqualTo("b");
    assertThat(justBefore).isEqualTo("b");
    assertThat(world.p1.callCount("a")).isEqualTo(3);
    assertThat(world.events(RouterEvent.CircuitTransition.class))
        .extracting(t -> t.model().value() + ":" + t.from() + "->" + t.to())
        .containsExactly("a:CLOSED->OPEN");
    assertThat(router.healthReport().model("a").orElseThrow().openUntilEpochMillis())
        .isEqualTo(world.ticker.epochMillis() + 1);
  }

  @Test
  void after_60_s_one_probe_is_admitted_and_concurrent_requests_go_elsewhere_until_it_closes_the_circuit() {
    // given
    Router router = routerWithOpenA();
    world.p1.model("a").then(Outcome.ok(Duration.ofSeconds(5)));
    world.ticker.advance(Duration.ofSeconds(60));
    // when
    CompletableFuture<RoutedResponse> probe = router.route(hello, RouteHints.DEFAULT);
    String second = route(router);
    String third = route(router);
    // then
    assertThat(probe).isNotDone();
    assertThat(second).isEqualTo("b");
    assertThat(third).isEqualTo("b");
    assertThat(world.p1.callCount("a")).as("three failures and the probe").isEqualTo(4);
    assertThat(stateOf(router, "a")).isEqualTo(CircuitState.HALF_OPEN);
    // when the probe answers
    world.ticker.advance(Duration.ofSeconds(5));
    // then
    assertThat(probe.join().model().value()).isEqualTo("a");
    assertThat(stateOf(router, "a")).isEqualTo(CircuitState.CLOSED);
    assertThat(route(router)).isEqualTo("a");
    assertThat(world.events(RouterEvent.CircuitTransition.class))
        .extracting(t -> t.from() + "->" + t.to())
        .containsExactly("CLOSED->OPEN", "OPEN->HALF_OPEN", "HALF_OPEN->CLOSED");
  }

  @Test
  void a_failed_probe_reopens_the_circuit_for_120_s() {
    // given
    Router router = routerWithOpenA();
    world.p1.model("a").then(Outcome.fail(FailureKind.UNAVAILABLE, 503));
    world.ticker.advance(Duration.ofSeconds(60));
    // when
    String probeRequest = route(router);
    // then
    assertThat(probeRequest).as("the probe failed over").isEqualTo("b");
    assertThat(stateOf(router, "a")).isEqualTo(CircuitState.OPEN);
    world.ticker.advance(Duration.ofSeconds(119));
    assertThat(route(router)).isEqualTo("b");
    assertThat(world.p1.callCount("a")).isEqualTo(4);
    world.ticker.advance(Duration.ofSeconds(1));
    assertThat(route(router)).isEqualTo("a");
    assertThat(world.events(RouterEvent.CircuitTransition.class))
        .extracting(t -> t.from() + "->" + t.to())
        .containsExactly("CLOSED->OPEN", "OPEN->HALF_OPEN", "HALF_OPEN->OPEN", "OPEN->HALF_OPEN",
            "HALF_OPEN->CLOSED");
  }

  @Test
  void a_failure_rate_over_the_window_opens_the_circuit_without_three_in_a_row() {
    // given: 50 % of the last 4 calls; a alternates failure and success
    world.p1.model("a").then(
        Outcome.fail(FailureKind.UNAVAILABLE, 503), Outcome.ok(),
        Outcome.fail(FailureKind.TIMEOUT), Outcome.ok(),
        Outcome.fail(FailureKind.MALFORMED_RESPONSE));
    Router router = world.router(new RouterSettings(Duration.ofSeconds(60), Duration.ofSeconds(60),
        RetryConfig.defaults(), CircuitBreakerConfig.defaults().withFailureRate(0.5, 4, 4), AllOpenPolicy.FAIL_FAST,
        Duration.ofSeconds(1)));
    // when
    for (int i = 0; i < 4; i++) {
      route(router);
    }
    CircuitState afterFour = stateOf(router, "a");
    route(router);
    // then
    assertThat(afterFour).isEqualTo(CircuitState.CLOSED);
    assertThat(stateOf(router, "a")).isEqualTo(CircuitState.OPEN);
    assertThat(route(router)).isEqualTo("b");
  }

  @Test
  void bad_requests_never_count_against_the_circuit() {
    // given
    world.p1.model("a").times(5, Outcome.fail(FailureKind.BAD_REQUEST, 400));
    Router router = world.router();
    // when
    for (int i = 0; i < 5; i++) {
      assertThat(router.route(hello, RouteHints.DEFAULT)).isCompletedExceptionally();
    }
    // then
    HealthReport.ModelReport a = router.healthReport().model("a").orElseThrow();
    assertThat(a.state()).isEqualTo(CircuitState.CLOSED);
    assertThat(a.consecutiveFailures()).isZero();
    assertThat(a.failuresByKind()).containsEntry(FailureKind.BAD_REQUEST, 5L);
    assertThat(route(router)).isEqualTo("a");
  }

  @Test
  void rate_limits_never_count_against_the_circuit() {
    // given
    world.p1.model("a").times(5, Outcome.rateLimited(Duration.ofSeconds(1)));
    Router router = world.router();
    // when
    for (int i = 0; i < 5; i++) {
      assertThat(route(router)).isEqualTo("b");
      world.ticker.advance(Duration.ofSeconds(1));
    }
    // then
    HealthReport.ModelReport a = router.healthReport().model("a").orElseThrow();
    assertThat(a.state()).isEqualTo(CircuitState.CLOSED);
    assertThat(a.consecutiveFailures()).isZero();
    assertThat(world.p1.callCount("a")).isEqualTo(5);
    assertThat(route(router)).isEqualTo("a");
    assertThat(world.events(RouterEvent.CircuitTransition.class)).isEmpty();
  }

  @Test
  void a_second_authentication_failure_reports_only_legal_transitions() {
    // given: p1 rejects its key, is isolated for 60 s, then its probe is rejected again
    world.p1.model("a").times(2, Outcome.fail(FailureKind.UNAUTHORIZED, 401));
    Router router = world.router();
    router.route(hello, RouteHints.DEFAULT);
    world.ticker.advance(Duration.ofSeconds(60));
    // when
    router.route(hello, RouteHints.DEFAULT);
    world.ticker.advance(Duration.ofSeconds(10));
    // then
    assertThat(world.p1.callCount("a")).isEqualTo(2);
    assertThat(world.events(RouterEvent.CircuitTransition.class))
        .allSatisfy(t -> assertThat(t.from()).isNotEqualTo(t.to()));
  }
}
