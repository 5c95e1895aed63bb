package dev.sheepdog.state.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sheepdog.spi.ModelId;
import dev.sheepdog.spi.Priority;
import dev.sheepdog.spi.SpendRow;
import dev.sheepdog.spi.SpendRow.Kind;
import dev.sheepdog.spi.SpendStore;
import dev.sheepdog.spi.TaskType;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpendPersistenceTest {
  private static final long DAY = 20_454;
  private static final ModelId GPT = ModelId.of("gpt-4.1");
  private static final ModelId DEEPSEEK = ModelId.of("deepseek-chat");

  @TempDir
  Path dir;

  /** A store that writes only when flushed or closed, for these tests. */
  private SqliteStateStore open() {
    return SqliteStateStore.builder(dir).commitInterval(Duration.ofHours(1)).commitBatch(Integer.MAX_VALUE).open();
  }

  @Test
  void aRestartKeepsEveryCounterExactly() {
    // given spend added on two days, flushed in part, then the store closed
    try (SqliteStateStore store = open()) {
      SpendStore spend = store.spend();
      spend.add(DAY, GPT, TaskType.CODE_GENERATION, Priority.HIGH, Set.of("team:a", "key:1"), 1_000_000_001L);
      store.flush();
      spend.add(DAY, GPT, TaskType.CODE_GENERATION, Priority.HIGH, Set.of("team:a"), 7);
      spend.add(DAY + 1, DEEPSEEK, TaskType.GENERAL, Priority.FAST, Set.of(), 3);
      spend.addEstimated(DAY + 1, DEEPSEEK, 3); // that answer came without usage
    }

    // when it opens again
    try (SqliteStateStore store = open()) {
      // then every counter holds its exact sum
      assertThat(store.spend().load()).containsExactlyInAnyOrder(
          new SpendRow(DAY, Kind.TOTAL, "", 1_000_000_008L),
          new SpendRow(DAY, Kind.MODEL, "gpt-4.1", 1_000_000_008L),
          new SpendRow(DAY, Kind.ROUTE, "code_generation:high", 1_000_000_008L),
          new SpendRow(DAY, Kind.TAG, "team:a", 1_000_000_008L),
          new SpendRow(DAY, Kind.TAG, "key:1", 1_000_000_001L),
          new SpendRow(DAY + 1, Kind.TOTAL, "", 3),
          new SpendRow(DAY + 1, Kind.MODEL, "deepseek-chat", 3),
          new SpendRow(DAY + 1, Kind.ROUTE, "general:fast", 3),
          new SpendRow(DAY + 1, Kind.ESTIMATED, "deepseek-chat", 3));
    }
  }

  @Test
  void addWritesNothingUntilFlushedAndLoadSeesItMeanwhile() {
    try (SqliteStateStore store = open()) {
      // given one add
      store.spend().add(DAY, GPT, TaskType.GENERAL, Priority.NORMAL, Set.of("t"), 5);

      // then its four counters are pending, and load already counts them
      assertThat(store.health().pendingSpendRows()).isEqualTo(4);
      assertThat(store.spend().load()).contains(new SpendRow(DAY, Kind.TOTAL, "", 5));

      // when flushed
      store.flush();

      // then nothing is pending and load counts them once
      assertThat(store.health().pendingSpendRows()).isZero();
      assertThat(store.spend().load()).hasSize(4).contains(new SpendRow(DAY, Kind.TAG, "t", 5));
    }
  }

  @Test
  void addsFromManyThreadsSumExactly() throws Exception {
    // given 8 threads adding 10,000 times each, while the writer commits in batches
    int threads = 8;
    int adds = 10_000;
    try (SqliteStateStore store = SqliteStateStore.builder(dir).commitInterval(Duration.ofMillis(5))
        .commitBatch(500).open()) {
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      CountDownLatch start = new CountDownLatch(1);
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        String tag = "thread-" + t;
        done.add(pool.submit(() -> {
          start.await();
          for (int i = 0; i < adds; i++) {
            store.spend().add(DAY, i % 2 == 0 ? GPT : DEEPSEEK, TaskType.GENERAL, Priority.NORMAL, Set.of(tag), 3);
          }
          return null;
        }));
      }
      start.countDown();
      for (Future<?> future : done) {
        future.get(60, TimeUnit.SECONDS);
      }
      pool.shutdown();
      store.flush();
    }

    // when the store is opened again
    try (SqliteStateStore store = open()) {
      // then every sum is exact
      List<SpendRow> rows = store.spend().load();
      assertThat(rows).contains(
          new SpendRow(DAY, Kind.TOTAL, "", 3L * threads * adds),
          new SpendRow(DAY, Kind.MODEL, "gpt-4.1", 3L * threads * adds / 2),
          new SpendRow(DAY, Kind.MODEL, "deepseek-chat", 3L * threads * adds / 2),
          new SpendRow(DAY, Kind.ROUTE, "general:normal", 3L * threads * adds));
      for (int t = 0; t < threads; t++) {
        assertThat(rows).contains(new SpendRow(DAY, Kind.TAG, "thread-" + t, 3L * adds));
      }
      assertThat(rows).hasSize(3 + 1 + threads);
    }
  }

  @Test
  void aFullBatchIsCommittedWithoutWaitingForTheInterval() {
    // given a writer whose interval is an hour and whose batch is three adds
    try (SqliteStateStore store = SqliteStateStore.builder(dir).commitInterval(Duration.ofHours(1))
        .commitBatch(3).open()) {
      // when two adds are made, then they wait
      store.spend().add(DAY, GPT, TaskType.GENERAL, Priority.NORMAL, Set.of(), 1);
      store.spend().add(DAY, GPT, TaskType.GENERAL, Priority.NORMAL, Set.of(), 1);
      assertThat(store.health().pendingSpendRows()).isEqualTo(3);

      // when the third is made, then the writer commits them all
      store.spend().add(DAY, GPT, TaskType.GENERAL, Priority.NORMAL, Set.of(), 1);
      awaitNothingPending(store);
      assertThat(store.spend().load()).contains(new SpendRow(DAY, Kind.TOTAL, "", 3));
    }
  }

  @Test
  void closingWritesWhatIsPending() {
    // given spend never flushed
    try (SqliteStateStore store = open()) {
      store.spend().add(DAY, GPT, TaskType.GENERAL, Priority.NORMAL, Set.of(), 42);
    }

    // when reopened, then close wrote it
    try (SqliteStateStore store = open()) {
      assertThat(store.spend().load()).contains(new SpendRow(DAY, Kind.TOTAL, "", 42));
    }
  }

  /** Waits for the writer thread, which runs on its own; bounded, fails the test if it never commits. */
  private static void awaitNothingPending(SqliteStateStore store) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (store.health().pendingSpendRows() > 0) {
      assertThat(System.nanoTime()).as("the writer committed the batch").isLessThan(deadline);
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
    }
  }
}
