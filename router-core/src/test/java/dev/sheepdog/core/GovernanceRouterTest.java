package dev.sheepdog.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sheepdog.core.cost.BudgetCap;
import dev.sheepdog.core.deferred.DeferredReplayListener;
import dev.sheepdog.core.deferred.InMemoryDeferredQueue;
import dev.sheepdog.core.deferred.ReplayPolicy;
import dev.sheepdog.spi.AlertType;
import dev.sheepdog.spi.ChatRequest;
import dev.sheepdog.spi.DeferredEntry;
import dev.sheepdog.spi.DeferredState;
import dev.sheepdog.spi.FailureKind;
import dev.sheepdog.spi.ModelCatalog;
import dev.sheepdog.spi.ModelSpec;
import dev.sheepdog.spi.Money;
import dev.sheepdog.spi.Priority;
import dev.sheepdog.spi.RouteHints;
import dev.sheepdog.spi.RouterEvent;
import dev.sheepdog.spi.SkipReason;
import dev.sheepdog.spi.TaskType;
import dev.sheepdog.testkit.ManualTicker;
import dev.sheepdog.testkit.Outcome;
import dev.sheepdog.testkit.ScriptedProvider;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** Limits, spend, budgets, alerts, statistics and deferral, seen through the router. */
class GovernanceRouterTest {
  private final RouterFixture world = new RouterFixture();
  private final ChatRequest hello = ChatRequest.ofUser("Hello");

  @Test
  void a_model_at_its_rpm_limit_is_skipped_and_the_next_one_answers() {
    // given: a allows 10 requests a minute with no burst beyond its sustained rate
    ManualTicker ticker = new ManualTicker();
    ScriptedProvider p1 = ScriptedProvider.create("p1", ticker);
    ModelCatalog catalog = ModelCatalog.of(
        ModelSpec.builder("a", "p1").limits(10, 0).build(),
        ModelSpec.builder("b", "p1").build());
    List<RouterEvent> events = new CopyOnWriteArrayList<>();
    Router router = Router.builder().catalog(catalog).provider(p1).clock(ticker).listener(events::add)
        .strategy(RouteTableStrategy.builder().route(TaskType.GENERAL, Priority.NORMAL, "a", "b").build())
        .build();
    // when: 30 requests at one instant
    int servedByA = 0;
    for (int i = 0; i < 30; i++) {
      if (router.route(hello, RouteHints.DEFAULT).join().model().value().equals("a")) {
        servedByA++;
      }
    }
    // then: never more than the limit admitted within the minute, the rest went to b
    assertThat(servedByA).isBetween(1, 10);
    assertThat(p1.callCount("b")).isEqualTo(30 - servedByA);
    assertThat(events).filteredOn(RouterEvent.ModelSkipped.class::isInstance)
        .map(RouterEvent.ModelSkipped.class::cast)
        .allSatisfy(s -> assertThat(s.reason()).isEqualTo(SkipReason.RATE_LIMITED))
        .hasSize(30 - servedByA);
  }

  @Test
  void when_every_model_is_limited_the_request_waits_for_the_first_free_slot_if_the_deadline_allows() {
    // given: a single model allowing 1 request a minute
    ManualTicker ticker = new ManualTicker();
    ScriptedProvider p1 = ScriptedProvider.create("p1", ticker);
    ModelCatalog catalog = ModelCatalog.of(ModelSpec.builder("a", "p1").limits(1, 0).build());
    Router router = Router.builder().catalog(catalog).provider(p1).clock(ticker)
        .strategy(RouteTableStrategy.builder().route(TaskType.GENERAL, Priority.NORMAL, "a").build()).build();
    router.route(hello, RouteHints.DEFAULT).join();
    // when: the next one has a deadline of 90 s, the one after only 5 s
    CompletableFuture<RoutedResponse> patient = router.route(hello,
        RouteHints.builder().deadline(Duration.ofSeconds(90)).build());
    CompletableFuture<RoutedResponse> hasty = router.route(hello,
        RouteHints.builder().deadline(Duration.ofSeconds(5)).build());
    // then: the hasty one fails fast with a retry time; the patient one is served within the minute
    assertThat(hasty).isCompletedExceptionally();
    assertThatThrownBy(hasty::join).cause().isInstanceOfSatisfying(AllModelsFailedException.class, e -> {
      assertThat(e.rateLimited()).isTrue();
      assertThat(e.retryAfter()).isPresent();
    });
    assertThat(patient).isNotDone();
    ticker.advance(Duration.ofSeconds(61));
    assertThat(patient.join().model().value()).isEqualTo("a");
  }

  @Test
  void the_ledger_total_equals_the_sum_of_the_costs_on_the_answers_over_100_000_requests() {
    // given: random usage and random failures on every model, no retries
    SplittableRandom random = new SplittableRandom(42);
    for (String model : List.of("a", "b", "c")) {
      world.p1.model(model).thenFrom(() -> random.nextInt(10) < 3
          ? Outcome.fail(FailureKind.UNAVAILABLE)
          : Outcome.ok().withUsage(random.nextInt(5_000), random.nextInt(2_000)));
    }
    world.p2.model("x").thenFrom(() -> Outcome.ok().withUsage(random.nextInt(5_000), random.nextInt(2_000)));
    RouterSettings settings = noRetries(CircuitBreakerConfig.defaults().withConsecutiveFailures(1_000_000)
        .withFailureRate(1.0, 20, 20));
    Router router = world.builder().settings(settings).build();
    Priority[] priorities = Priority.values();
    // when
    long sum = 0;
    int answered = 0;
    for (int i = 0; i < 100_000; i++) {
      RouteHints hints = RouteHints.builder().priority(priorities[random.nextInt(3)]).tag("k" + random.nextInt(4))
          .build();
      try {
        sum += router.route(hello, hints).join().cost().nanos();
        answered++;
      } catch (CompletionException e) {
        assertThat(e.getCause()).isInstanceOf(AllModelsFailedException.class);
      }
    }
    // then
    assertThat(answered).isGreaterThan(90_000);
    assertThat(router.ledger().total()).isEqualTo(Money.ofNanos(sum));
    long byModel = 0;
    for (String model : List.of("a", "b", "c", "x")) {
      byModel += router.ledger().total(dev.sheepdog.spi.ModelId.of(model)).nanos();
    }
    assertThat(byModel).isEqualTo(sum);
    long byTag = 0;
    for (int k = 0; k < 4; k++) {
      byTag += router.ledger().totalForTag("k" + k).nanos();
    }
    assertThat(byTag).isEqualTo(sum);
  }

  @Test
  void a_rejecting_daily_cap_stops_requests_once_reached_and_alerts_at_80_and_100_percent() {
    // given: a $0.01 cap; each answer costs 1,000 × $1/M + 1,000 × $2/M = $0.003 on model a
    world.p1.model("a").thenAlways(Outcome.ok().withUsage(1_000, 1_000));
    Router router = world.builder().budget(BudgetCap.global("daily", Money.ofUsd("0.01"))).build();
    // when
    for (int i = 0; i < 4; i++) {
      router.route(hello, RouteHints.DEFAULT).join();
    }
    // then
    assertThatThrownBy(() -> router.route(hello, RouteHints.DEFAULT).join()).cause()
        .isInstanceOf(BudgetExceededException.class);
    assertThat(world.events(RouterEvent.Alert.class)).extracting(RouterEvent.Alert::type)
        .containsExactly(AlertType.BUDGET_80_PERCENT, AlertType.BUDGET_EXHAUSTED);
    // and the next day it answers again
    world.ticker.advance(Duration.ofDays(1));
    assertThat(router.route(hello, RouteHints.DEFAULT).join().model().value()).isEqualTo("a");
  }

  @Test
  void a_restricting_cap_sends_traffic_to_models_under_its_price_ceiling() {
    // given: after $0.003 the cap only admits models with output ≤ $1/M (x)
    world.p1.model("a").thenAlways(Outcome.ok().withUsage(1_000, 1_000));
    Router router = Router.builder().catalog(RouterFixture.CATALOG).provider(world.p1).provider(world.p2)
        .clock(world.ticker)
        .budget(BudgetCap.global("daily", Money.ofUsd("0.003")).restrictingToOutputPriceAtMost("1.00"))
        .strategy(RouteTableStrategy.builder().route(TaskType.GENERAL, Priority.NORMAL, "a", "x").build())
        .build();
    // when
    RoutedResponse before = router.route(hello, RouteHints.DEFAULT).join();
    RoutedResponse after = router.route(hello, RouteHints.DEFAULT).join();
    // then
    assertThat(before.model().value()).isEqualTo("a");
    assertThat(after.model().value()).isEqualTo("x");
  }

  @Test
  void three_consecutive_failures_raise_one_alert_and_a_success_resolves_it() {
    // given
    world.p1.model("a").times(5, Outcome.fail(FailureKind.UNAVAILABLE)).thenAlways(Outcome.ok());
    RouterSettings settings = noRetries(CircuitBreakerConfig.defaults().withConsecutiveFailures(100));
    Router router = world.router(settings);
    // when
    for (int i = 0; i < 6; i++) {
      router.route(hello, RouteHints.DEFAULT).join();
    }
    // then
    assertThat(world.events(RouterEvent.Alert.class))
        .filteredOn(a -> a.type() == AlertType.CONSECUTIVE_FAILURES)
        .extracting(RouterEvent.Alert::resolved).containsExactly(false, true);
  }

  @Test
  void statistics_reach_strategies_and_the_health_report() {
    // given
    world.p1.model("a").thenAlways(Outcome.ok(Duration.ofMillis(800)));
    Router router = world.router();
    // when
    for (int i = 0; i < 20; i++) {
      CompletableFuture<RoutedResponse> answer = router.route(hello, RouteHints.DEFAULT);
      world.ticker.advance(Duration.ofMillis(800));
      answer.join();
    }
    world.ticker.advance(Duration.ofSeconds(1));
    // then
    var a = router.candidate(dev.sheepdog.spi.ModelId.of("a")).health();
    assertThat(Duration.ofNanos(a.p95LatencyNanos())).isBetween(Duration.ofMillis(790), Duration.ofMillis(810));
    assertThat(Duration.ofNanos(a.ewmaLatencyNanos())).isBetween(Duration.ofMillis(790), Duration.ofMillis(810));
    HealthReport report = router.healthReport();
    assertThat(report.model("a").orElseThrow().calls()).isEqualTo(20);
    assertThat(report.render()).contains("a ").contains("CLOSED").contains("total spend");
  }

  @Test
  void a_deferred_request_is_replayed_after_its_model_recovers_and_delivered_once() {
    // given: every model fails for now
    InMemoryDeferredQueue queue = new InMemoryDeferredQueue(10, 10);
    for (String model : List.of("a", "b", "c")) {
      world.p1.model(model).then(Outcome.fail(FailureKind.UNAVAILABLE));
    }
    Router router = world.builder().deferredQueue(queue).settings(
        noRetries(CircuitBreakerConfig.defaults().withConsecutiveFailures(10))).build();
    RouteHints deferrable = RouteHints.builder().allowDeferral(true).build();
    // when
    CompletableFuture<RoutedResponse> call = router.route(hello, deferrable);
    // then
    AllModelsFailedException failure = (AllModelsFailedException) call.handle((r, e) -> e).join();
    String id = failure.deferredId().orElseThrow();
    assertThat(queue.find(id)).get().extracting(DeferredEntry::state).isEqualTo(DeferredState.QUEUED);
    // when the models recover, the replayer delivers it exactly once
    List<RoutedResponse> delivered = new CopyOnWriteArrayList<>();
    var replayer = router.replayer(new DeferredReplayListener<>() {
      @Override
      public void onDelivered(DeferredEntry entry, RoutedResponse result) {
        delivered.add(result);
      }

      @Override
      public void onDeadLettered(DeferredEntry entry, String reason) {}
    }, ReplayPolicy.DEFAULT);
    replayer.replayDue().join();
    replayer.replayDue().join();
    assertThat(delivered).hasSize(1);
    assertThat(queue.find(id)).get().extracting(DeferredEntry::state).isEqualTo(DeferredState.DELIVERED);
  }

  @Test
  void a_full_deferred_queue_says_the_request_was_not_deferred() {
    // given
    InMemoryDeferredQueue queue = new InMemoryDeferredQueue(1, 10);
    for (String model : List.of("a", "b", "c")) {
      world.p1.model(model).thenAlways(Outcome.fail(FailureKind.UNAVAILABLE));
    }
    Router router = world.builder().deferredQueue(queue).settings(
        noRetries(CircuitBreakerConfig.defaults().withConsecutiveFailures(100))).build();
    RouteHints deferrable = RouteHints.builder().allowDeferral(true).build();
    // when
    Throwable first = router.route(hello, deferrable).handle((r, e) -> e).join();
    Throwable second = router.route(hello, deferrable).handle((r, e) -> e).join();
    // then
    assertThat(((AllModelsFailedException) first).deferredId()).isPresent();
    assertThat(((AllModelsFailedException) second).deferredId()).isEmpty();
    assertThat(((AllModelsFailedException) second).deferralRefusal()).contains("the deferred queue is full");
    assertThat(second).hasMessageContaining("not deferred");
  }

  /** One pass over the plan, with the given circuit settings. */
  private static RouterSettings noRetries(CircuitBreakerConfig circuit) {
    return RouterSettings.defaults().withRetry(RetryConfig.noRetries()).withCircuit(circuit);
  }
}
