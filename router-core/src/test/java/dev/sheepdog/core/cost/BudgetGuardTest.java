package dev.sheepdog.core.cost;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sheepdog.spi.AlertType;
import dev.sheepdog.spi.ModelCatalog;
import dev.sheepdog.spi.ModelSpec;
import dev.sheepdog.spi.Money;
import dev.sheepdog.spi.ProviderId;
import dev.sheepdog.spi.RouteHints;
import dev.sheepdog.spi.RouterEvent;
import dev.sheepdog.spi.Usage;
import dev.sheepdog.spi.catalog.TutorialModels;
import dev.sheepdog.testkit.ManualTicker;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class BudgetGuardTest {
  private static final ModelCatalog CATALOG = TutorialModels.catalog(ProviderId.of("holysheep"));
  private static final ModelSpec GPT_41 = CATALOG.require(TutorialModels.GPT_4_1);
  private static final ModelSpec DEEPSEEK = CATALOG.require(TutorialModels.DEEPSEEK_CHAT);

  private final ManualTicker ticker = new ManualTicker();
  private final List<RouterEvent.Alert> alerts = new CopyOnWriteArrayList<>();

  private BudgetGuard guard(BudgetCap... caps) {
    return new BudgetGuard(new SpendLedger(), List.of(caps), e -> alerts.add((RouterEvent.Alert) e), ticker);
  }

  @Test
  void estimatedCostCountsThePromptAndTheWholeOutputCap() {
    // 1,000 prompt tokens at $8/1M plus 2,000 output tokens at $32/1M
    assertThat(BudgetGuard.estimateCost(GPT_41, 1_000, 2_000)).isEqualTo(Money.ofUsd("0.072"));
  }

  @Test
  void modelAboveTheRequestMaximumIsSkipped() {
    // given
    BudgetGuard guard = guard();
    RouteHints hints = RouteHints.builder().maxCost(Money.ofUsd("0.01")).build();

    // when / then
    assertThat(guard.check(GPT_41, BudgetGuard.estimateCost(GPT_41, 1_000, 2_000), hints))
        .isEqualTo(BudgetDecision.SKIP_OVER_REQUEST_MAX);
    assertThat(guard.check(DEEPSEEK, BudgetGuard.estimateCost(DEEPSEEK, 1_000, 2_000), hints))
        .isEqualTo(BudgetDecision.ALLOW);
  }

  @Test
  void reachedRejectingCapRejectsUntilTheDayRollsOver() {
    // given a $1 daily cap
    BudgetGuard guard = guard(BudgetCap.global("daily", Money.ofUsd("1")));
    RouteHints hints = RouteHints.DEFAULT;

    // when $1 is spent: 31,250 output tokens of gpt-4.1
    guard.record(GPT_41, new Usage(0, 31_250), hints);

    // then
    assertThat(guard.check(DEEPSEEK, Money.ofUsd("0.001"), hints)).isEqualTo(BudgetDecision.REJECT);
    ticker.advance(Duration.ofDays(1));
    assertThat(guard.check(DEEPSEEK, Money.ofUsd("0.001"), hints)).isEqualTo(BudgetDecision.ALLOW);
  }

  @Test
  void reachedRestrictingCapOnlyLetsCheapModelsThrough() {
    // given a tagged cap that restricts team-a to output prices up to $4 per 1M
    BudgetGuard guard = guard(
        BudgetCap.forTag("team-a", "team-a", Money.ofUsd("0.50")).restrictingToOutputPriceAtMost("4.00"));
    RouteHints teamA = RouteHints.builder().tag("team-a").build();
    RouteHints teamB = RouteHints.builder().tag("team-b").build();

    // when
    guard.record(GPT_41, new Usage(0, 20_000), teamA); // $0.64

    // then
    assertThat(guard.check(GPT_41, Money.ofUsd("0.01"), teamA)).isEqualTo(BudgetDecision.SKIP_OVER_PRICE_CEILING);
    assertThat(guard.check(DEEPSEEK, Money.ofUsd("0.01"), teamA)).isEqualTo(BudgetDecision.ALLOW);
    assertThat(guard.check(GPT_41, Money.ofUsd("0.01"), teamB)).isEqualTo(BudgetDecision.ALLOW);
  }

  @Test
  void alertsFireOncePerDayAt80And100PercentAndResolveNextDay() {
    // given a $1 cap
    BudgetCap cap = BudgetCap.global("daily", Money.ofUsd("1"));
    BudgetGuard guard = guard(cap);

    // when $0.79, then $0.01 (80 %), then more, then $0.20 (100 %), then more again
    guard.record(DEEPSEEK.id(), Money.ofUsd("0.79"), RouteHints.DEFAULT);
    assertThat(alerts).isEmpty();
    guard.record(DEEPSEEK.id(), Money.ofUsd("0.01"), RouteHints.DEFAULT);
    guard.record(DEEPSEEK.id(), Money.ofUsd("0.01"), RouteHints.DEFAULT);
    guard.record(DEEPSEEK.id(), Money.ofUsd("0.19"), RouteHints.DEFAULT);
    guard.record(DEEPSEEK.id(), Money.ofUsd("0.05"), RouteHints.DEFAULT);
    guard.record(DEEPSEEK.id(), Money.ofUsd("0.05"), RouteHints.DEFAULT);

    // then
    assertThat(alerts).extracting(RouterEvent.Alert::type, RouterEvent.Alert::subject, RouterEvent.Alert::resolved)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(AlertType.BUDGET_80_PERCENT, "daily", false),
            org.assertj.core.groups.Tuple.tuple(AlertType.BUDGET_EXHAUSTED, "daily", false));
    assertThat(guard.spentToday(cap)).isEqualTo(Money.ofUsd("1.10"));

    // when the next day starts and spend crosses 80 % again
    alerts.clear();
    ticker.advance(Duration.ofDays(1));
    guard.check(DEEPSEEK, Money.ZERO, RouteHints.DEFAULT);
    guard.record(DEEPSEEK.id(), Money.ofUsd("0.85"), RouteHints.DEFAULT);
    guard.record(DEEPSEEK.id(), Money.ofUsd("0.01"), RouteHints.DEFAULT);

    // then the old alerts resolve once and the 80 % one fires once for the new day
    assertThat(alerts).extracting(RouterEvent.Alert::type, RouterEvent.Alert::resolved)
        .containsExactlyInAnyOrder(
            org.assertj.core.groups.Tuple.tuple(AlertType.BUDGET_80_PERCENT, true),
            org.assertj.core.groups.Tuple.tuple(AlertType.BUDGET_EXHAUSTED, true),
            org.assertj.core.groups.Tuple.tuple(AlertType.BUDGET_80_PERCENT, false));
  }

  @Test
  void oneSpendOverTheWholeCapSendsBothAlerts() {
    // given
    BudgetGuard guard = guard(BudgetCap.global("daily", Money.ofUsd("1")));

    // when
    guard.record(GPT_41.id(), Money.ofUsd("3"), RouteHints.DEFAULT);

    // then
    assertThat(alerts).extracting(RouterEvent.Alert::type)
        .containsExactly(AlertType.BUDGET_80_PERCENT, AlertType.BUDGET_EXHAUSTED);
  }

  @Test
  void throwingListenerDoesNotBreakRecording() {
    // given
    BudgetGuard guard = new BudgetGuard(new SpendLedger(), List.of(BudgetCap.global("daily", Money.ofUsd("1"))),
        e -> {
          throw new IllegalStateException("boom");
        }, ticker);

    // when
    guard.record(GPT_41.id(), Money.ofUsd("3"), RouteHints.DEFAULT);

    // then
    assertThat(guard.ledger().total()).isEqualTo(Money.ofUsd("3"));
  }

  @Test
  void answersNearACapAreWrittenToTheStoreAtOnceAndOthersBehindTheRequests() {
    // given a store that counts the calls asking it to write now, a $1 cap on team-a and one on
    // the fleet's total of $10, of which the fleet had spent $0.60 as the latest check read
    java.util.concurrent.atomic.AtomicInteger writesNow = new java.util.concurrent.atomic.AtomicInteger();
    dev.sheepdog.spi.SpendStore store = new dev.sheepdog.spi.SpendStore() {
      @Override
      public List<dev.sheepdog.spi.SpendRow> load() {
        return List.of();
      }

      @Override
      public void add(long epochDay, dev.sheepdog.spi.ModelId model, dev.sheepdog.spi.TaskType task,
          dev.sheepdog.spi.Priority priority, java.util.Set<String> tags, long nanos) {}

      @Override
      public void writeNow() {
        writesNow.incrementAndGet();
      }
    };
    BudgetGuard guard = new BudgetGuard(new SpendLedger(store), List.of(BudgetCap.forTag("team", "team-a", Money.ofUsd("1")),
        BudgetCap.global("fleet", Money.ofUsd("10"))), e -> {}, ticker);
    RouteHints teamA = RouteHints.builder().tag("team-a").build();
    guard.check(GPT_41, 0, 0, teamA, List.of("team-a", ""), new long[] {600_000_000L, 600_000_000L});

    // when an answer of $0.10 leaves team-a at $0.70 for all this instance knows: written behind
    guard.record(GPT_41.id(), Money.ofUsd("0.10"), teamA);
    // then
    assertThat(writesNow).hasValue(0);

    // when an answer of $0.15 brings it to $0.85 with the fleet's figure, past 80 %: written now
    guard.record(GPT_41.id(), Money.ofUsd("0.15"), teamA);
    // then
    assertThat(writesNow).hasValue(1);
    // and an answer no near cap applies to is written behind
    guard.record(GPT_41.id(), Money.ofUsd("0.15"), RouteHints.DEFAULT);
    assertThat(writesNow).hasValue(1);
  }

  @Test
  void capsAreValidated() {
    assertThatThrownBy(() -> BudgetCap.global("daily", Money.ZERO)).hasMessageContaining("daily limit of budget cap daily");
    assertThatThrownBy(() -> guard(BudgetCap.global("x", Money.ofUsd("1")), BudgetCap.global("x", Money.ofUsd("2"))))
        .hasMessageContaining("budget cap x is defined twice");
  }
}
