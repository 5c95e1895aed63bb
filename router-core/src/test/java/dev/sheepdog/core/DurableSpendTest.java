package dev.sheepdog.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sheepdog.core.cost.BudgetCap;
import dev.sheepdog.core.cost.DailySpend;
import dev.sheepdog.core.cost.Route;
import dev.sheepdog.core.cost.SpendLedger;
import dev.sheepdog.core.cost.SpendSnapshot;
import dev.sheepdog.core.state.InMemorySpendStore;
import dev.sheepdog.core.state.InMemoryStateStore;
import dev.sheepdog.spi.ChatRequest;
import dev.sheepdog.spi.FailureKind;
import dev.sheepdog.spi.ModelId;
import dev.sheepdog.spi.Money;
import dev.sheepdog.spi.Priority;
import dev.sheepdog.spi.RouteHints;
import dev.sheepdog.spi.SpendRow;
import dev.sheepdog.spi.SpendStore;
import dev.sheepdog.spi.TaskType;
import dev.sheepdog.testkit.Outcome;
import java.time.Duration;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Spend kept in a {@link SpendStore} outlives the router that recorded it: a restart keeps totals and budgets. */
class DurableSpendTest {
  private final RouterFixture world = new RouterFixture();
  private final ChatRequest hello = ChatRequest.ofUser("Hello");

  private static final List<RouteHints> ROUTES = List.of(
      RouteHints.builder().task(TaskType.GENERAL).priority(Priority.NORMAL).build(),
      RouteHints.builder().task(TaskType.GENERAL).priority(Priority.FAST).build(),
      RouteHints.builder().task(TaskType.CODE_GENERATION).priority(Priority.NORMAL).build());

  private Router routerOn(InMemoryStateStore store) {
    return world.builder().state(store)
        .settings(RouterSettings.defaults().withRetry(RetryConfig.noRetries())
            .withCircuit(CircuitBreakerConfig.defaults().withConsecutiveFailures(1_000_000)
                .withFailureRate(1.0, 20, 20)))
        .build();
  }

  /** What the test expects the ledger to hold, worked out from the answers alone. */
  private static final class Expected {
    long total;
    final Map<ModelId, Long> byModel = new HashMap<>();
    final Map<Route, Long> byRoute = new HashMap<>();
    final Map<String, Long> byTag = new HashMap<>();
    final Map<LocalDate, Long> byDay = new HashMap<>();
    final Map<LocalDate, Map<String, Long>> byDayAndTag = new HashMap<>();

    void add(RoutedResponse answer, RouteHints hints, long atEpochMillis) {
      long nanos = answer.cost().nanos();
      LocalDate day = LocalDate.ofEpochDay(Math.floorDiv(atEpochMillis, Duration.ofDays(1).toMillis()));
      total += nanos;
      byModel.merge(answer.model(), nanos, Long::sum);
      byRoute.merge(new Route(hints.task(), hints.priority()), nanos, Long::sum);
      byDay.merge(day, nanos, Long::sum);
      for (String tag : hints.tags()) {
        byTag.merge(tag, nanos, Long::sum);
        byDayAndTag.computeIfAbsent(day, d -> new HashMap<>()).merge(tag, nanos, Long::sum);
      }
    }
  }

  @Test
  void a_router_built_on_the_same_store_reports_the_same_spend_to_the_nano_dollar() {
    // given: random usage, failures and failover over three routes, four tags and three days
    SplittableRandom random = new SplittableRandom(11);
    for (String model : List.of("a", "b", "c")) {
      world.p1.model(model).thenFrom(() -> random.nextInt(10) < 2
          ? Outcome.fail(FailureKind.UNAVAILABLE)
          : Outcome.ok().withUsage(random.nextInt(50_000), random.nextInt(4_000)));
    }
    world.p2.model("x").thenFrom(() -> Outcome.ok().withUsage(random.nextInt(50_000), random.nextInt(4_000)));
    InMemoryStateStore store = new InMemoryStateStore();
    Router before = routerOn(store);
    Expected expected = new Expected();
    for (int i = 0; i < 3_000; i++) {
      RouteHints.Builder hints = ROUTES.get(random.nextInt(ROUTES.size())).toBuilder();
      for (int t = 0; t < 4; t++) {
        if (random.nextInt(3) == 0) {
          hints.tag("team-" + t);
        }
      }
      RouteHints h = hints.build();
      try {
        expected.add(before.route(hello, h).join(), h, world.ticker.epochMillis());
      } catch (java.util.concurrent.CompletionException e) {
        assertThat(e.getCause()).isInstanceOf(AllModelsFailedException.class);
      }
      world.ticker.advance(Duration.ofMinutes(1)); // 3,000 minutes: a little over two days
    }
    SpendSnapshot recorded = before.ledger().snapshot();

    // when the process "restarts": a new router on the same store
    Router after = routerOn(store);

    // then
    SpendLedger ledger = after.ledger();
    SpendSnapshot restored = ledger.snapshot();
    assertThat(restored).isEqualTo(recorded);
    assertThat(ledger.total().nanos()).isEqualTo(expected.total);
    expected.byModel.forEach((model, nanos) -> assertThat(ledger.total(model).nanos()).as(model.value())
        .isEqualTo(nanos));
    expected.byRoute.forEach((route, nanos) -> assertThat(ledger.total(route).nanos()).as(route.toString())
        .isEqualTo(nanos));
    expected.byTag.forEach((tag, nanos) -> assertThat(ledger.totalForTag(tag).nanos()).as(tag).isEqualTo(nanos));
    assertThat(expected.byDay).hasSize(3);
    expected.byDay.forEach((day, nanos) -> assertThat(ledger.spentOn(day).nanos()).as(day.toString())
        .isEqualTo(nanos));
    expected.byDayAndTag.forEach((day, tags) -> tags.forEach((tag, nanos) ->
        assertThat(ledger.spentOn(day, tag).nanos()).as(day + " " + tag).isEqualTo(nanos)));
    assertThat(restored.days()).extracting(DailySpend::day).containsExactly(
        LocalDate.of(2026, 1, 3), LocalDate.of(2026, 1, 2), LocalDate.of(2026, 1, 1));
  }

  @Test
  void spend_after_the_restart_adds_to_what_was_kept() {
    // given
    world.p1.model("a").thenAlways(Outcome.ok().withUsage(1_000, 1_000));
    InMemoryStateStore store = new InMemoryStateStore();
    routerOn(store).route(hello, RouteHints.DEFAULT).join();
    Router after = routerOn(store);

    // when
    after.route(hello, RouteHints.DEFAULT).join();

    // then: $0.003 an answer, twice, and a third router starts from both
    assertThat(after.ledger().total()).isEqualTo(Money.ofUsd("0.006"));
    assertThat(routerOn(store).ledger().spentOn(LocalDate.of(2026, 1, 1))).isEqualTo(Money.ofUsd("0.006"));
  }

  /** A router on {@code store} with a rejecting $1 daily cap over everything. */
  private Router cappedAtOneDollar(SpendStore store) {
    return world.builder().ledger(new SpendLedger(store)).budget(BudgetCap.global("daily", Money.ofUsd("1")))
        .build();
  }

  @Test
  void a_daily_cap_reached_before_a_restart_still_rejects_after_it() {
    // given: each answer of a costs 250,000 × $1/M + 125,000 × $2/M = $0.50; two reach the $1 cap
    world.p1.model("a").thenAlways(Outcome.ok().withUsage(250_000, 125_000));
    InMemorySpendStore store = new InMemorySpendStore();
    Router before = cappedAtOneDollar(store);
    before.route(hello, RouteHints.DEFAULT).join();
    before.route(hello, RouteHints.DEFAULT).join();
    assertThatThrownBy(() -> before.route(hello, RouteHints.DEFAULT).join()).cause()
        .isInstanceOf(BudgetExceededException.class);
    long callsBefore = world.p1.callCount("a");

    // when the process restarts later the same day
    world.ticker.advance(Duration.ofHours(3));
    Router after = cappedAtOneDollar(store);

    // then
    assertThat(after.ledger().spentOn(LocalDate.of(2026, 1, 1))).isEqualTo(Money.ofUsd("1"));
    assertThatThrownBy(() -> after.route(hello, RouteHints.DEFAULT).join()).cause()
        .isInstanceOf(BudgetExceededException.class);
    assertThat(world.p1.callCount("a")).isEqualTo(callsBefore);
    // and the next day it answers again
    world.ticker.advance(Duration.ofDays(1));
    assertThat(after.route(hello, RouteHints.DEFAULT).join().model().value()).isEqualTo("a");
  }

  @Test
  void a_tag_cap_reached_before_a_restart_still_rejects_that_tag_after_it() {
    // given: a $1 cap on tag client:k1; two $0.50 answers reach it
    world.p1.model("a").thenAlways(Outcome.ok().withUsage(250_000, 125_000));
    InMemorySpendStore store = new InMemorySpendStore();
    RouteHints k1 = RouteHints.builder().tag("client:k1").build();
    RouteHints k2 = RouteHints.builder().tag("client:k2").build();
    BudgetCap cap = BudgetCap.forTag("k1 daily", "client:k1", Money.ofUsd("1"));
    Router before = world.builder().ledger(new SpendLedger(store)).budget(cap).build();
    before.route(hello, k1).join();
    before.route(hello, k1).join();

    // when
    Router after = world.builder().ledger(new SpendLedger(store)).budget(cap).build();

    // then
    assertThatThrownBy(() -> after.route(hello, k1).join()).cause().isInstanceOf(BudgetExceededException.class);
    assertThat(after.route(hello, k2).join().model().value()).isEqualTo("a");
  }

  @Test
  void a_store_that_fails_to_write_does_not_fail_the_request() {
    // given
    AtomicInteger adds = new AtomicInteger();
    SpendStore broken = new SpendStore() {
      @Override
      public List<SpendRow> load() {
        return List.of();
      }

      @Override
      public void add(long epochDay, ModelId model, TaskType task, Priority priority, Set<String> tags, long nanos) {
        adds.incrementAndGet();
        throw new IllegalStateException("disk full");
      }
    };
    world.p1.model("a").thenAlways(Outcome.ok("answered").withUsage(1_000, 1_000));
    Router router = world.builder().ledger(new SpendLedger(broken)).build();

    // when
    RoutedResponse answer = router.route(hello, RouteHints.DEFAULT).join();

    // then: the answer is returned and the spend is still counted in memory
    assertThat(answer.content()).isEqualTo("answered");
    assertThat(adds).hasValue(1);
    assertThat(router.ledger().total()).isEqualTo(Money.ofUsd("0.003"));
  }
}
