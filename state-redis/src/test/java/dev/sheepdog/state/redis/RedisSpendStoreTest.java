package dev.sheepdog.state.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sheepdog.core.state.InMemorySpendStore;
import dev.sheepdog.spi.ModelId;
import dev.sheepdog.spi.Priority;
import dev.sheepdog.spi.RouterListener;
import dev.sheepdog.spi.SharedState.Limit;
import dev.sheepdog.spi.SharedStateUnavailableException;
import dev.sheepdog.spi.SpendRow;
import dev.sheepdog.spi.SpendStore;
import dev.sheepdog.spi.TaskType;
import dev.sheepdog.spi.Ticker;
import dev.sheepdog.testkit.ManualTicker;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisException;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class RedisSpendStoreTest {
  private static final ManualTicker TICKER = new ManualTicker();
  private static final long TODAY = Math.floorDiv(TICKER.epochMillis(), TimeUnit.DAYS.toMillis(1));
  private static final AtomicInteger PREFIXES = new AtomicInteger();
  private static final ModelId GPT = ModelId.of("gpt");

  private static RedisServer server;
  private static TestLinks.Plain plain;

  @BeforeAll
  static void start() throws IOException {
    server = RedisServer.start();
    plain = new TestLinks.Plain(server);
  }

  @AfterAll
  static void stop() throws IOException {
    if (plain != null) {
      plain.close();
    }
    if (server != null) {
      server.close();
    }
  }

  private static String freshPrefix() {
    return "spend" + PREFIXES.incrementAndGet();
  }

  @Test
  void concurrentAddsFromTwoInstancesAddUpAndEachAnswerLandsOnAllItsFieldsAtOnce() throws Exception {
    String prefix = freshPrefix();
    String day = RedisSharedState.spendKey(prefix, TODAY);
    try (RedisLink linkA = TestLinks.open(server, prefix, TestLinks.PATIENT);
        RedisLink linkB = TestLinks.open(server, prefix, TestLinks.PATIENT);
        RedisSpendStore a = new RedisSpendStore(linkA, TICKER);
        RedisSpendStore b = new RedisSpendStore(linkB, TICKER)) {
      AtomicBoolean writing = new AtomicBoolean(true);
      List<String> torn = new ArrayList<>();
      AtomicInteger reads = new AtomicInteger();
      Thread reader = new Thread(() -> {
        // every answer adds to total, its model, its route and its tag in one script: a reader never
        // sees one field ahead of another
        while (writing.get()) {
          List<String> values = plain.redis().hmget(day, "total", "model:gpt", "route:general:normal", "tag:t")
              .stream().map(kv -> kv.getValueOrElse("0")).toList();
          reads.incrementAndGet();
          if (values.stream().distinct().count() != 1) {
            torn.add(values.toString());
          }
        }
      });
      reader.start();
      int threads = 4;
      int adds = 500;
      CountDownLatch done = new CountDownLatch(threads);
      for (int t = 0; t < threads; t++) {
        RedisSpendStore store = t % 2 == 0 ? a : b;
        new Thread(() -> {
          for (int i = 0; i < adds; i++) {
            store.add(TODAY, GPT, TaskType.GENERAL, Priority.NORMAL, Set.of("t"), 1_000 + i);
          }
          done.countDown();
        }).start();
      }
      assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
      assertThat(a.flush(Duration.ofSeconds(10))).isTrue();
      assertThat(b.flush(Duration.ofSeconds(10))).isTrue();
      writing.set(false);
      reader.join();
      long expected = (long) threads * (1_000L * adds + (long) adds * (adds - 1) / 2);
      assertThat(plain.redis().hgetall(day)).containsExactlyInAnyOrderEntriesOf(Map.of(
          "total", Long.toString(expected), "model:gpt", Long.toString(expected),
          "route:general:normal", Long.toString(expected), "tag:t", Long.toString(expected)));
      assertThat(reads.get()).isPositive();
      assertThat(torn).isEmpty();
      assertThat(a.pendingRows()).isZero();
    }
  }

  @Test
  void loadGivesTheRowsTheOtherStoresGive() {
    String prefix = freshPrefix();
    InMemorySpendStore reference = new InMemorySpendStore();
    try (RedisLink link = TestLinks.open(server, prefix, TestLinks.PATIENT);
        RedisSpendStore store = new RedisSpendStore(link, TICKER)) {
      Random random = new Random(3);
      List<ModelId> models = List.of(GPT, ModelId.of("claude-sonnet"), ModelId.of("deep:seek/v3"));
      List<TaskType> tasks = List.of(TaskType.GENERAL, TaskType.CODE_GENERATION, TaskType.of("summaries"));
      List<String> tags = List.of("team-a", "key:0f3a", "", "with space");
      for (int i = 0; i < 300; i++) {
        long day = TODAY - random.nextInt(5);
        ModelId model = models.get(random.nextInt(models.size()));
        TaskType task = tasks.get(random.nextInt(tasks.size()));
        Priority priority = Priority.values()[random.nextInt(3)];
        Set<String> tagged = random.nextBoolean() ? Set.of() : Set.of(tags.get(random.nextInt(tags.size())));
        long nanos = random.nextInt(10) == 0 ? 0 : random.nextLong(5_000_000_000L);
        reference.add(day, model, task, priority, tagged, nanos);
        store.add(day, model, task, priority, tagged, nanos);
      }
      assertThat(store.flush(Duration.ofSeconds(10))).isTrue();
      // what load must ignore: days beyond the last 400, other prefixes, other keys, foreign fields
      store.add(TODAY - 400, GPT, TaskType.GENERAL, Priority.NORMAL, Set.of(), 7);
      assertThat(store.flush(Duration.ofSeconds(10))).isTrue();
      plain.redis().hset(prefix + ":spend:{x}", "total", "5");
      plain.redis().hset(prefix + "-other:spend:{" + TODAY + "}", "total", "5");
      plain.redis().hset("other:spend:{" + TODAY + "}", "total", "5");
      plain.redis().hset(RedisSharedState.spendKey(prefix, TODAY), Map.of("mystery", "5", "tag:bad", "x"));

      assertThat(sorted(store.load())).containsExactlyElementsOf(sorted(reference.load()));
      // and the last of the 400 days is read
      store.add(TODAY - 399, GPT, TaskType.GENERAL, Priority.NORMAL, Set.of(), 9);
      assertThat(store.flush(Duration.ofSeconds(10))).isTrue();
      assertThat(store.load()).contains(new SpendRow(TODAY - 399, SpendRow.Kind.TOTAL, "", 9));
    }
  }

  private static List<SpendRow> sorted(List<SpendRow> rows) {
    List<SpendRow> copy = new ArrayList<>(rows);
    copy.sort(Comparator.comparingLong(SpendRow::epochDay).thenComparing(row -> row.kind().name())
        .thenComparing(SpendRow::key));
    return copy;
  }

  @Test
  void loadFromAnUnreachableRedisGivesWhatItCanAndDoesNotThrow() throws IOException {
    try (RedisServer own = RedisServer.start()) {
      RedisLink link = new RedisLink(RedisSettings.of(own.uri()).withPrefix(freshPrefix())
          .withCommandTimeout(Duration.ofMillis(300)), RouterListener.NONE, Ticker.system());
      own.stop();
      link.connect();
      try (link; RedisSpendStore store = new RedisSpendStore(link, TICKER)) {
        assertThat(store.load()).isEmpty();
        store.add(TODAY, GPT, TaskType.GENERAL, Priority.NORMAL, Set.of(), 5); // kept, not thrown
        assertThat(store.load()).contains(new SpendRow(TODAY, SpendRow.Kind.TOTAL, "", 5));
        assertThat(store.pendingRows()).isEqualTo(3);
      }
    }
  }

  @Test
  void addsWhileRedisIsDownArePushedWhenItRejoinsAndCountedOnce() throws Exception {
    try (RedisServer own = RedisServer.start()) {
      String prefix = freshPrefix();
      RedisLink link = new RedisLink(RedisSettings.of(own.uri()).withPrefix(prefix), RouterListener.NONE,
          Ticker.system());
      link.connect();
      // no periodic write: only the rejoin can push what waits
      try (link; RedisSpendStore store = new RedisSpendStore(link, TICKER, Duration.ofHours(1))) {
        store.add(TODAY, GPT, TaskType.GENERAL, Priority.NORMAL, Set.of("t"), 100);
        assertThat(store.flush(Duration.ofSeconds(10))).isTrue();

        own.stop(); // and its data with it: no persistence
        // until the link has isolated Redis: only a rejoin after an isolation pushes what waits. One
        // failed call is not enough (isolation takes a few in a row), and a test that stopped at the
        // first one found nothing pushed when Redis came back before the link had isolated it
        waitUntil(() -> {
          try {
            link.call(redis -> redis.ping());
          } catch (SharedStateUnavailableException e) {
            // counted towards the isolation
          }
          return link.health(0).degraded();
        });
        long down = 0;
        long onGpt = 0;
        for (int i = 0; i < 200; i++) {
          store.add(TODAY, i % 2 == 0 ? GPT : ModelId.of("claude"), TaskType.GENERAL, Priority.NORMAL, Set.of("t"),
              1_000 + i);
          down += 1_000 + i;
          onGpt += i % 2 == 0 ? 1_000 + i : 0;
        }
        // merged per counter while waiting: total, two models, one route, one tag
        assertThat(store.pendingRows()).isEqualTo(5);

        own.startAgain();
        // something else on the link (a reservation) finds Redis back; the rejoin pushes the spend
        RedisSharedState shared = new RedisSharedState(link, Ticker.system());
        Limit limit = new Limit(GPT, 0, 0, 0, 0);
        long[] spent = TestLinks.eventually(() -> shared.reserve(limit, 0, TODAY, List.of("")).spent());
        assertThat(spent).hasSize(1);
        waitUntil(() -> store.pendingRows() == 0);
        assertThat(store.flush(Duration.ofSeconds(10))).isTrue();
        try (TestLinks.Plain restarted = new TestLinks.Plain(own)) {
          // the restart lost the first add; what was added while it was down is there, once
          assertThat(restarted.redis().hgetall(RedisSharedState.spendKey(prefix, TODAY)))
              .containsExactlyInAnyOrderEntriesOf(Map.of("total", Long.toString(down), "model:gpt",
                  Long.toString(onGpt), "model:claude", Long.toString(down - onGpt), "route:general:normal",
                  Long.toString(down), "tag:t", Long.toString(down)));
        }
      }
    }
  }

  @Test
  void anAddThatTimedOutButRanIsRetriedWithItsIdAndCountedOnce() throws Exception {
    String prefix = freshPrefix();
    RedisLink link = new RedisLink(RedisSettings.of(server.uri()).withPrefix(prefix)
        .withCommandTimeout(Duration.ofMillis(200)), RouterListener.NONE, Ticker.system());
    link.connect();
    try (link; RedisSpendStore store = new RedisSpendStore(link, TICKER, Duration.ofHours(1))) {
      store.add(TODAY, GPT, TaskType.GENERAL, Priority.NORMAL, Set.of(), 1);
      assertThat(store.flush(Duration.ofSeconds(10))).isTrue();

      // the server holds writes for a while: the add is written, times out here, and runs later
      assertThat(server.command("CLIENT PAUSE 1500 WRITE")).isEqualTo("+OK");
      store.add(TODAY, GPT, TaskType.GENERAL, Priority.NORMAL, Set.of("late"), 1_000);
      assertThat(store.pendingRows()).as("merged, waiting for the writer").isEqualTo(4);
      store.push();
      assertThat(store.pendingRows()).as("sent").isZero();
      waitUntil(() -> store.pendingRows() > 0);
      assertThat(store.pendingRows()).as("the batch's four fields, kept whole with its id").isEqualTo(4);

      waitUntil(() -> store.flush(Duration.ofSeconds(1)));
      assertThat(plain.redis().hgetall(RedisSharedState.spendKey(prefix, TODAY))).containsExactlyInAnyOrderEntriesOf(
          Map.of("total", "1001", "model:gpt", "1001", "route:general:normal", "1001", "tag:late", "1000"));
      // two batches, one bit each, however many times the second was sent
      long bits = 0;
      for (String key : plain.redis().keys(prefix + ":spendseen:{" + TODAY + "}:*")) {
        bits += plain.redis().bitcount(key);
      }
      assertThat(bits).isEqualTo(2);
    }
  }

  @Test
  void writeNowReturnsOnceRedisHasTheSpendOrAfterTheHotPathTimeoutAtMost() throws Exception {
    String prefix = freshPrefix();
    RedisLink link = new RedisLink(RedisSettings.of(server.uri()).withPrefix(prefix)
        .withHotPathTimeout(Duration.ofMillis(100)), RouterListener.NONE, Ticker.system());
    link.connect();
    // no periodic write: only writeNow sends
    try (link; RedisSpendStore store = new RedisSpendStore(link, TICKER, Duration.ofHours(1))) {
      link.call(redis -> redis.ping());
      // when an answer near a cap is written now
      store.add(TODAY, GPT, TaskType.GENERAL, Priority.NORMAL, Set.of(), 250);
      store.writeNow();
      // then Redis has it when writeNow returns (another instance reading now sees it)
      assertThat(plain.redis().hget(RedisSharedState.spendKey(prefix, TODAY), "total")).isEqualTo("250");

      // and a Redis that does not answer holds writeNow back for the hot-path timeout, not longer
      assertThat(server.command("CLIENT PAUSE 1500 WRITE")).isEqualTo("+OK");
      store.add(TODAY, GPT, TaskType.GENERAL, Priority.NORMAL, Set.of(), 1);
      long started = System.nanoTime();
      store.writeNow();
      assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofMillis(1_000));
      waitUntil(() -> store.flush(Duration.ofSeconds(1)));
      assertThat(plain.redis().hget(RedisSharedState.spendKey(prefix, TODAY), "total")).isEqualTo("251");
    }
  }

  @Test
  void onlyARefusalBeforeWritingProvesAnAddWasNotApplied() {
    assertThat(RedisSpendStore.neverSent(new SharedStateUnavailableException("isolated"))).isTrue();
    assertThat(RedisSpendStore.neverSent(new CompletionException(
        new RedisException("Currently not connected. Commands are rejected.")))).isTrue();
    assertThat(RedisSpendStore.neverSent(new RedisCommandTimeoutException("timed out"))).isFalse();
    assertThat(RedisSpendStore.neverSent(new CompletionException(new RedisException("Connection reset")))).isFalse();
  }

  @Test
  void fieldsAndRowsNameEachOther() {
    for (SpendRow.Kind kind : SpendRow.Kind.values()) {
      String key = kind == SpendRow.Kind.TOTAL ? "" : "a:b c";
      assertThat(RedisSpendStore.row(TODAY, RedisSpendStore.field(kind, key), "12"))
          .isEqualTo(new SpendRow(TODAY, kind, key, 12));
    }
    assertThat(RedisSpendStore.field(SpendRow.Kind.ROUTE, SpendStore.routeKey(TaskType.GENERAL, Priority.FAST)))
        .isEqualTo("route:general:fast");
    assertThat(RedisSpendStore.row(TODAY, "total", "-1")).isNull();
    assertThat(RedisSpendStore.row(TODAY, "other:x", "1")).isNull();
    assertThat(RedisSpendStore.row(TODAY, RedisSpendStore.field(SpendRow.Kind.ESTIMATED, "gpt"), "5"))
        .isEqualTo(new SpendRow(TODAY, SpendRow.Kind.ESTIMATED, "gpt", 5));
  }

  private static void waitUntil(BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime() - deadline).as("condition within 15 s").isNegative();
      Thread.sleep(10);
    }
  }
}
