package dev.sheepdog.core.cost;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sheepdog.core.state.InMemorySpendStore;
import dev.sheepdog.spi.Money;
import dev.sheepdog.spi.ModelId;
import dev.sheepdog.spi.ModelSpec;
import dev.sheepdog.spi.Priority;
import dev.sheepdog.spi.ProviderId;
import dev.sheepdog.spi.RouteHints;
import dev.sheepdog.spi.RouterListener;
import dev.sheepdog.spi.SpendRow;
import dev.sheepdog.spi.SpendStore;
import dev.sheepdog.spi.TaskType;
import dev.sheepdog.spi.Usage;
import dev.sheepdog.spi.catalog.TutorialModels;
import dev.sheepdog.testkit.ManualTicker;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class SpendLedgerTest {
  /** The tutorial's catalog and prices. */
  static final List<ModelSpec> CATALOG = TutorialModels.catalog(ProviderId.of("holysheep")).models();

  private static final List<TaskType> TASKS =
      List.of(TaskType.SIMPLE_QA, TaskType.CODE_GENERATION, TaskType.COMPLEX_REASONING, TaskType.GENERAL);
  private static final List<String> TAGS = List.of("team-a", "team-b", "key-1f3a", "batch");

  private final ManualTicker ticker = new ManualTicker();

  @Test
  void totalsAreExactOverOneHundredThousandRandomRequestsWithFailures() {
    // given
    SpendLedger ledger = new SpendLedger();
    BudgetGuard guard = new BudgetGuard(ledger, List.of(), RouterListener.NONE, ticker);
    Random random = new Random(7);
    long expectedTotal = 0;
    Map<ModelId, Long> expectedByModel = new HashMap<>();
    Map<String, Long> expectedByTag = new HashMap<>();

    // when
    for (int i = 0; i < 100_000; i++) {
      ModelSpec spec = CATALOG.get(random.nextInt(CATALOG.size()));
      RouteHints.Builder hints = RouteHints.builder()
          .task(TASKS.get(random.nextInt(TASKS.size())))
          .priority(Priority.values()[random.nextInt(3)]);
      for (String tag : TAGS) {
        if (random.nextInt(3) == 0) {
          hints.tag(tag);
        }
      }
      RouteHints h = hints.build();
      ticker.advance(random.nextInt(2_000), TimeUnit.MILLISECONDS);
      if (random.nextInt(10) < 3) {
        continue; // the attempt failed: no answer, no cost
      }
      Usage usage = new Usage(random.nextInt(50_000), random.nextInt(4_001));
      Money cost = guard.record(spec, usage, h);
      long nanos = usage.promptTokens() * spec.price().inputNanosPerToken()
          + usage.completionTokens() * spec.price().outputNanosPerToken();
      assertThat(cost.nanos()).isEqualTo(nanos);
      expectedTotal += nanos;
      expectedByModel.merge(spec.id(), nanos, Long::sum);
      for (String tag : h.tags()) {
        expectedByTag.merge(tag, nanos, Long::sum);
      }
    }

    // then
    SpendSnapshot snapshot = ledger.snapshot();
    assertThat(ledger.total().nanos()).isEqualTo(expectedTotal);
    assertThat(snapshot.total().nanos()).isEqualTo(expectedTotal);
    for (ModelSpec spec : CATALOG) {
      assertThat(ledger.total(spec.id()).nanos()).isEqualTo(expectedByModel.getOrDefault(spec.id(), 0L));
    }
    assertThat(snapshot.byModel().values().stream().mapToLong(Money::nanos).sum()).isEqualTo(expectedTotal);
    assertThat(snapshot.byRoute().values().stream().mapToLong(Money::nanos).sum()).isEqualTo(expectedTotal);
    for (String tag : TAGS) {
      assertThat(ledger.totalForTag(tag).nanos()).isEqualTo(expectedByTag.getOrDefault(tag, 0L));
    }
  }

  @Test
  void concurrentRecordingAddsUpExactly() throws Exception {
    // given
    SpendLedger ledger = new SpendLedger();
    ExecutorService pool = Executors.newFixedThreadPool(8);
    List<Future<Long>> results = new ArrayList<>();
    long at = ticker.epochMillis();

    // when eight threads record 20,000 spends each
    try {
      for (int t = 0; t < 8; t++) {
        int seed = t;
        results.add(pool.submit(() -> {
          Random random = new Random(seed);
          long sum = 0;
          for (int i = 0; i < 20_000; i++) {
            ModelSpec spec = CATALOG.get(random.nextInt(CATALOG.size()));
            Money cost = spec.price().cost(random.nextInt(10_000), random.nextInt(2_000));
            ledger.record(new Spend(spec.id(), TaskType.GENERAL, Priority.NORMAL, Set.of("t" + seed % 2), cost, at));
            sum += cost.nanos();
          }
          return sum;
        }));
      }
      long expected = 0;
      for (Future<Long> f : results) {
        expected += f.get(30, TimeUnit.SECONDS);
      }

      // then
      SpendSnapshot snapshot = ledger.snapshot();
      assertThat(ledger.total().nanos()).isEqualTo(expected);
      assertThat(snapshot.byModel().values().stream().mapToLong(Money::nanos).sum()).isEqualTo(expected);
      assertThat(ledger.totalForTag("t0").plus(ledger.totalForTag("t1")).nanos()).isEqualTo(expected);
      assertThat(ledger.spentOn(LocalDate.of(2026, 1, 1)).nanos()).isEqualTo(expected);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void spendCountsAgainstItsUtcDayAndOldDaysAreDropped() {
    // given a ledger keeping two days; the ticker starts at 2026-01-01T00:00Z
    SpendLedger ledger = new SpendLedger(2);
    ModelId model = ModelId.of("deepseek-chat");

    // when
    ledger.record(spend(model, "0.10", ticker.epochMillis()));
    ticker.advance(Duration.ofHours(23).plusMinutes(59));
    ledger.record(spend(model, "0.20", ticker.epochMillis()));
    ticker.advance(Duration.ofMinutes(2));
    ledger.record(spend(model, "0.40", ticker.epochMillis()));

    // then
    assertThat(ledger.spentOn(LocalDate.of(2026, 1, 1))).isEqualTo(Money.ofUsd("0.30"));
    assertThat(ledger.spentOn(LocalDate.of(2026, 1, 2))).isEqualTo(Money.ofUsd("0.40"));

    // when a third day starts, the first is dropped but still counts all-time
    ticker.advance(Duration.ofDays(1));
    ledger.record(spend(model, "0.80", ticker.epochMillis()));
    assertThat(ledger.spentOn(LocalDate.of(2026, 1, 1))).isEqualTo(Money.ZERO);
    assertThat(ledger.snapshot().days()).extracting(DailySpend::day)
        .containsExactly(LocalDate.of(2026, 1, 3), LocalDate.of(2026, 1, 2));
    assertThat(ledger.total()).isEqualTo(Money.ofUsd("1.50"));
  }

  @Test
  void aDayTakesTheSlotOfTheDayItPushesOutAndLateSpendOnADroppedDayCountsAllTimeOnly() {
    // given a ledger keeping two days, with spend on January 1st
    SpendLedger ledger = new SpendLedger(2);
    ModelId model = ModelId.of("deepseek-chat");
    long day = Duration.ofDays(1).toMillis();
    ledger.record(spend(model, "0.10", ticker.epochMillis()));

    // when January 3rd, which shares January 1st's slot, is recorded, then late spend for the 2nd and the 1st
    ledger.record(spend(model, "0.40", ticker.epochMillis() + 2 * day));
    ledger.record(spend(model, "0.20", ticker.epochMillis() + day));
    ledger.record(spend(model, "0.05", ticker.epochMillis()));

    // then
    assertThat(ledger.spentOn(LocalDate.of(2026, 1, 1))).isEqualTo(Money.ZERO);
    assertThat(ledger.spentOn(LocalDate.of(2026, 1, 2))).isEqualTo(Money.ofUsd("0.20"));
    assertThat(ledger.spentOn(LocalDate.of(2026, 1, 3))).isEqualTo(Money.ofUsd("0.40"));
    assertThat(ledger.spentOn(LocalDate.of(2026, 1, 4))).isEqualTo(Money.ZERO);
    assertThat(ledger.snapshot().days()).extracting(DailySpend::day)
        .containsExactly(LocalDate.of(2026, 1, 3), LocalDate.of(2026, 1, 2));
    assertThat(ledger.total()).isEqualTo(Money.ofUsd("0.75"));
  }

  @Test
  void storedRowsOfDaysOlderThanTheRetainedWindowCountInAllTimeOnly() {
    // given a store holding spend of January 1st, 6th and 11th
    InMemorySpendStore store = new InMemorySpendStore();
    long first = LocalDate.of(2026, 1, 1).toEpochDay();
    ModelId model = ModelId.of("deepseek-chat");
    store.add(first, model, TaskType.GENERAL, Priority.NORMAL, Set.of("team-a"), Money.ofUsd("0.10").nanos());
    store.add(first + 5, model, TaskType.GENERAL, Priority.NORMAL, Set.of("team-a"), Money.ofUsd("0.20").nanos());
    store.add(first + 10, model, TaskType.GENERAL, Priority.FAST, Set.of(), Money.ofUsd("0.40").nanos());

    // when a ledger keeping seven days starts from it
    SpendLedger ledger = new SpendLedger(7, store);

    // then January 1st is older than the seven days up to the 11th: it counts all-time only
    assertThat(ledger.total()).isEqualTo(Money.ofUsd("0.70"));
    assertThat(ledger.total(model)).isEqualTo(Money.ofUsd("0.70"));
    assertThat(ledger.totalForTag("team-a")).isEqualTo(Money.ofUsd("0.30"));
    assertThat(ledger.total(new Route(TaskType.GENERAL, Priority.NORMAL))).isEqualTo(Money.ofUsd("0.30"));
    assertThat(ledger.total(new Route(TaskType.GENERAL, Priority.FAST))).isEqualTo(Money.ofUsd("0.40"));
    assertThat(ledger.spentOn(LocalDate.of(2026, 1, 1))).isEqualTo(Money.ZERO);
    assertThat(ledger.spentOn(LocalDate.of(2026, 1, 6))).isEqualTo(Money.ofUsd("0.20"));
    assertThat(ledger.spentOn(LocalDate.of(2026, 1, 6), "team-a")).isEqualTo(Money.ofUsd("0.20"));
    assertThat(ledger.spentOn(LocalDate.of(2026, 1, 11))).isEqualTo(Money.ofUsd("0.40"));
    assertThat(ledger.snapshot().days()).extracting(DailySpend::day)
        .containsExactly(LocalDate.of(2026, 1, 11), LocalDate.of(2026, 1, 6));
  }

  @Test
  void aLedgerOnAStoreHandsItEverySpendAndAnotherLedgerStartsFromIt() {
    // given
    InMemorySpendStore store = new InMemorySpendStore();
    SpendLedger ledger = new SpendLedger(store);
    ModelId model = ModelId.of("gpt-4.1");

    // when (the answer came without usage: its cost was an estimate)
    ledger.record(new Spend(model, TaskType.CODE_GENERATION, Priority.HIGH, Set.of("team-a", "key-1f3a"),
        Money.ofNanos(123_456_789), ticker.epochMillis()));
    ledger.recordEstimated(model, 123_456_789, ticker.epochMillis());

    // then the day's counters are in the store, named as rows name them
    long day = LocalDate.of(2026, 1, 1).toEpochDay();
    assertThat(store.load()).containsExactlyInAnyOrder(
        new SpendRow(day, SpendRow.Kind.TOTAL, "", 123_456_789),
        new SpendRow(day, SpendRow.Kind.MODEL, "gpt-4.1", 123_456_789),
        new SpendRow(day, SpendRow.Kind.ROUTE, "code_generation:high", 123_456_789),
        new SpendRow(day, SpendRow.Kind.TAG, "team-a", 123_456_789),
        new SpendRow(day, SpendRow.Kind.TAG, "key-1f3a", 123_456_789),
        new SpendRow(day, SpendRow.Kind.ESTIMATED, "gpt-4.1", 123_456_789));
    SpendLedger restarted = new SpendLedger(store);
    assertThat(restarted.snapshot()).isEqualTo(ledger.snapshot());
    assertThat(restarted.estimated(model)).isEqualTo(Money.ofNanos(123_456_789));
    assertThat(restarted.total()).as("the mark is part of the spend, not more of it").isEqualTo(ledger.total());
  }

  @Test
  void aStoredRouteWhoseKeyCannotBeReadCountsInNoRoute() {
    // given
    long day = LocalDate.of(2026, 1, 1).toEpochDay();
    SpendStore store = new SpendStore() {
      @Override
      public List<SpendRow> load() {
        return List.of(new SpendRow(day, SpendRow.Kind.TOTAL, "", 10), new SpendRow(day, SpendRow.Kind.MODEL, "m", 10),
            new SpendRow(day, SpendRow.Kind.ROUTE, "general:urgent", 10));
      }

      @Override
      public void add(long epochDay, ModelId model, TaskType task, Priority priority, Set<String> tags, long nanos) {}
    };

    // when
    SpendLedger ledger = new SpendLedger(store);

    // then
    assertThat(ledger.total()).isEqualTo(Money.ofNanos(10));
    assertThat(ledger.snapshot().byRoute()).isEmpty();
  }

  private static Spend spend(ModelId model, String usd, long at) {
    return new Spend(model, TaskType.GENERAL, Priority.NORMAL, Set.of(), Money.ofUsd(usd), at);
  }
}
