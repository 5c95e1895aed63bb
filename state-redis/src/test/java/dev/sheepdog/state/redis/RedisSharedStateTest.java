package dev.sheepdog.state.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sheepdog.spi.ModelId;
import dev.sheepdog.spi.Priority;
import dev.sheepdog.spi.RouterListener;
import dev.sheepdog.spi.SharedState.Limit;
import dev.sheepdog.spi.SharedState.Outcome;
import dev.sheepdog.spi.SharedState.Reservation;
import dev.sheepdog.spi.SharedStateUnavailableException;
import dev.sheepdog.spi.TaskType;
import dev.sheepdog.spi.Ticker;
import dev.sheepdog.testkit.ManualTicker;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Two instances, each with its own connection, sharing one Redis under one prefix. */
class RedisSharedStateTest {
  private static final String PREFIX = "fleet";
  private static final long BASE_MICROS = 1_767_225_600_000_000L;
  private static final long TODAY = BASE_MICROS / 1_000_000 / 86_400;

  private static RedisServer server;
  private static RedisLink linkA;
  private static RedisLink linkB;
  private static TestLinks.Plain plain;
  private static final ManualTicker TICKER = new ManualTicker();
  private static RedisSharedState a;
  private static RedisSharedState b;

  @BeforeAll
  static void start() throws IOException {
    server = RedisServer.start();
    linkA = TestLinks.open(server, PREFIX, TestLinks.PATIENT);
    linkB = TestLinks.open(server, PREFIX, TestLinks.PATIENT);
    plain = new TestLinks.Plain(server);
    a = new RedisSharedState(linkA, TICKER, RedisSharedStateTest::now);
    b = new RedisSharedState(linkB, TICKER, RedisSharedStateTest::now);
  }

  private static long now() {
    return BASE_MICROS + TICKER.nanoTime() / 1000;
  }

  @AfterAll
  static void stop() throws IOException {
    for (AutoCloseable closeable : new AutoCloseable[] {plain, linkA, linkB, server}) {
      try {
        if (closeable != null) {
          closeable.close();
        }
      } catch (Exception e) {
        // closing a test's resources
      }
    }
  }

  /** Waits until everything the link sent before has been executed (one connection keeps order). */
  private static void settled(RedisLink link) {
    link.call(redis -> redis.ping());
  }

  @Test
  void twoInstancesShareOneLimit() {
    Limit limit = new Limit(ModelId.of("shared-limit"), 600, 60, 0, 0);
    int byA = 0;
    int byB = 0;
    long step = TimeUnit.MILLISECONDS.toNanos(10);
    List<Long> admitted = new ArrayList<>();
    // a simulated minute, each instance asking every 10 ms: 12 000 attempts at a limit of 600
    for (long t = 0; t < TimeUnit.MINUTES.toNanos(1); t += step) {
      if (a.reserve(limit, 0, TODAY, List.of()).admitted()) {
        byA++;
        admitted.add(TICKER.nanoTime());
      }
      if (b.reserve(limit, 0, TODAY, List.of()).admitted()) {
        byB++;
        admitted.add(TICKER.nanoTime());
      }
      TICKER.advance(step, TimeUnit.NANOSECONDS);
    }
    assertThat(byA + byB).as("admitted by the fleet in one minute").isLessThanOrEqualTo(600).isGreaterThan(590);
    assertThat(byA).isPositive();
    assertThat(byB).isPositive();
    // the bound holds for every window, not just the first minute
    for (int i = 0; i < 200; i++) {
      if (a.reserve(limit, 0, TODAY, List.of()).admitted()) {
        admitted.add(TICKER.nanoTime());
      }
      if (b.reserve(limit, 0, TODAY, List.of()).admitted()) {
        admitted.add(TICKER.nanoTime());
      }
      TICKER.advance(step, TimeUnit.NANOSECONDS);
    }
    for (int i = 0, j = 0; j < admitted.size(); j++) {
      while (admitted.get(i) <= admitted.get(j) - TimeUnit.MINUTES.toNanos(1)) {
        i++;
      }
      assertThat(j - i + 1).isLessThanOrEqualTo(600);
    }
  }

  @Test
  void reserveReadsTheDaysSpendInTheSameCall() {
    RedisSpendStore spendA = new RedisSpendStore(linkA, TICKER);
    try {
      long day = TODAY + 10;
      spendA.add(day, ModelId.of("gpt"), TaskType.GENERAL, Priority.NORMAL, Set.of("team-a"), 1_500);
      spendA.add(day, ModelId.of("gpt"), TaskType.GENERAL, Priority.NORMAL, Set.of("team-a", "team-b"), 250);
      assertThat(spendA.flush(Duration.ofSeconds(5))).isTrue();
      Limit limit = new Limit(ModelId.of("spend-read"), 100, 10, 0, 0);
      Reservation reservation = b.reserve(limit, 0, day, List.of("", "team-a", "team-b", "nobody"));
      assertThat(reservation.admitted()).isTrue();
      assertThat(reservation.spent()).containsExactly(1_750, 1_750, 250, 0);
      // with no limit at all, the spend is still read
      Limit unlimited = new Limit(ModelId.of("spend-read"), 0, 0, 0, 0);
      assertThat(a.reserve(unlimited, 0, day, List.of("team-b")).spent()).containsExactly(250);
      // another day has its own counters
      assertThat(a.reserve(limit, 0, day + 1, List.of("")).spent()).containsExactly(0);
    } finally {
      spendA.close();
    }
  }

  @Test
  void anInstancesSpendNotWrittenYetCountsInItsOwnReservationsAtOnceAndOnceWritten() {
    // no periodic write: the spend waits until flushed
    RedisSpendStore spendA = new RedisSpendStore(linkA, TICKER, Duration.ofHours(1));
    try {
      RedisSharedState withWaiting = new RedisSharedState(linkA, TICKER, spendA::waiting);
      long day = TODAY + 20;
      Limit unlimited = new Limit(ModelId.of("waiting"), 0, 0, 0, 0);
      spendA.add(day, ModelId.of("gpt"), TaskType.GENERAL, Priority.NORMAL, Set.of("team-a"), 700);

      // then: this instance counts it, the other cannot see it yet
      assertThat(withWaiting.reserve(unlimited, 0, day, List.of("", "team-a", "team-b")).spent())
          .containsExactly(700, 700, 0);
      assertThat(b.reserve(unlimited, 0, day, List.of("")).spent()).containsExactly(0);

      // once written, both see it, and this instance does not count it twice
      assertThat(spendA.flush(Duration.ofSeconds(5))).isTrue();
      assertThat(withWaiting.reserve(unlimited, 0, day, List.of("")).spent()).containsExactly(700);
      assertThat(b.reserve(unlimited, 0, day, List.of("")).spent()).containsExactly(700);
    } finally {
      spendA.close();
    }
  }

  @Test
  void circuitsPublishedByOneAreSeenByTheOther() {
    long now = TICKER.epochMillis();
    ModelId gpt = ModelId.of("circuit-gpt");
    ModelId claude = ModelId.of("circuit-claude");
    a.publishCircuit(gpt, now + 30_000);
    a.publishCircuit(claude, now + 5_000);
    settled(linkA);
    assertThat(b.openCircuits()).containsEntry(gpt, now + 30_000).containsEntry(claude, now + 5_000);

    b.publishCircuit(gpt, now + 10_000); // an older opening arriving late does not shorten it
    b.publishCircuit(claude, now + 60_000); // a newer one does extend it
    settled(linkB);
    assertThat(a.openCircuits()).containsEntry(gpt, now + 30_000).containsEntry(claude, now + 60_000);

    b.publishCircuit(gpt, 0);
    settled(linkB);
    assertThat(a.openCircuits()).doesNotContainKey(gpt).containsKey(claude);

    plain.redis().hset(PREFIX + ":circuits", Map.of("   ", Long.toString(now + 60_000), "not-a-number", "soon",
        "expired", Long.toString(now - 1)));
    Map<ModelId, Long> open = a.openCircuits();
    // an episode whose time has passed stays until closed: the fleet's probes are counted against it
    assertThat(open).doesNotContainKey(ModelId.of("not-a-number")).containsEntry(ModelId.of("expired"), now - 1);
    assertThat(open.keySet()).allSatisfy(model -> assertThat(model.value()).isNotBlank());
  }

  @Test
  void probesArePermittedAcrossTheFleetNotPerInstance() {
    ModelId model = ModelId.of("probed");
    long openUntil = TICKER.epochMillis() + 1_000;
    Map<String, Integer> permits = new HashMap<>();
    for (int i = 0; i < 10; i++) {
      if (a.tryProbe(model, openUntil, 3)) {
        permits.merge("a", 1, Integer::sum);
      }
      if (b.tryProbe(model, openUntil, 3)) {
        permits.merge("b", 1, Integer::sum);
      }
    }
    assertThat(permits.values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(3);
    assertThat(permits).containsEntry("a", 2).containsEntry("b", 1);

    long nextEpisode = openUntil + 30_000;
    int again = 0;
    for (int i = 0; i < 10; i++) {
      again += (b.tryProbe(model, nextEpisode, 3) ? 1 : 0) + (a.tryProbe(model, nextEpisode, 3) ? 1 : 0);
    }
    assertThat(again).isEqualTo(3);
    assertThat(plain.redis().pttl(RedisSharedState.probeKey(PREFIX, model, nextEpisode)))
        .isBetween(TimeUnit.MINUTES.toMillis(9), TimeUnit.MINUTES.toMillis(10));
    assertThat(a.tryProbe(model, nextEpisode + 1, 0)).isFalse();
  }

  @Test
  void correctIsSharedToo() {
    Limit limit = new Limit(ModelId.of("corrected"), 0, 0, 6_000, 600);
    assertThat(a.reserve(limit, 600, TODAY, List.of()).admitted()).isTrue();
    assertThat(b.reserve(limit, 1, TODAY, List.of()).outcome()).isEqualTo(Outcome.TOKENS_EXHAUSTED);
    a.correct(limit, 600, 100); // 500 given back
    a.sendCorrections();
    settled(linkA);
    assertThat(b.reserve(limit, 500, TODAY, List.of()).admitted()).isTrue();
  }

  @Test
  void aStoppedRedisFailsFastAndARestartedOneIsUsedAgainByTheSameObjects() throws Exception {
    try (RedisServer own = RedisServer.start()) {
      // a 50 ms hot-path timeout (the default 5 ms is too tight for a loaded test machine's first
      // calls) and the default isolation of 1 s after 3 failures
      RedisLink link = new RedisLink(RedisSettings.of(own.uri()).withPrefix(PREFIX)
          .withHotPathTimeout(Duration.ofMillis(50)), RouterListener.NONE, Ticker.system());
      link.connect();
      try {
        RedisSharedState shared = new RedisSharedState(link, Ticker.system());
        Limit limit = new Limit(ModelId.of("restarted"), 1_000, 100, 100_000, 10_000);
        assertThat(TestLinks.eventually(() -> shared.reserve(limit, 10, TODAY, List.of("")))).isNotNull();

        own.stop();
        for (int i = 0; i < 5; i++) {
          long started = System.nanoTime();
          assertThatThrownBy(() -> shared.reserve(limit, 10, TODAY, List.of("")))
              .isInstanceOf(SharedStateUnavailableException.class);
          assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofMillis(200));
        }
        assertThat(link.isolatedNow()).isTrue();
        int isolated = 0;
        for (int i = 0; i < 50; i++) {
          try {
            shared.reserve(limit, 10, TODAY, List.of(""));
          } catch (SharedStateUnavailableException e) {
            isolated += e.getMessage().contains("isolated") ? 1 : 0;
          }
        }
        // at most one of them can have been the breaker's trial
        assertThat(isolated).isGreaterThanOrEqualTo(49);
        assertThatThrownBy(shared::openCircuits).isInstanceOf(SharedStateUnavailableException.class);
        assertThatThrownBy(() -> shared.tryProbe(limit.model(), 1, 1))
            .isInstanceOf(SharedStateUnavailableException.class);
        shared.correct(limit, 10, 5); // never throws
        shared.publishCircuit(limit.model(), 5); // never throws

        own.startAgain();
        Reservation again = TestLinks.eventually(() -> shared.reserve(limit, 10, TODAY, List.of("")));
        assertThat(again.admitted()).isTrue(); // the restarted server lost its scripts: loaded again
        assertThat(link.isolatedNow()).isFalse();
        assertThat(TestLinks.eventually(() -> shared.tryProbe(limit.model(), 2, 100))).isTrue();
      } finally {
        link.close();
      }
    }
  }

  @Test
  void aReservationIsTheScriptAndTheSpendReadAndNothingElse() {
    Limit limit = new Limit(ModelId.of("round-trip"), 100, 10, 10_000, 1_000);
    a.reserve(limit, 10, TODAY, List.of("", "team")); // loads the script if the server lacks it
    settled(linkA);
    settled(linkB);

    // Redis 7.0 counts the commands a script runs as well: the script reads the cells (HMGET),
    // writes them (HSET) and sets their expiry (PEXPIRE); the client sent EVALSHA and one HMGET.
    Map<String, Long> commands = commandsDuring(() -> a.reserve(limit, 10, TODAY, List.of("", "team")));
    assertThat(commands).containsExactlyInAnyOrderEntriesOf(
        Map.of("evalsha", 1L, "hmget", 1L + 1L, "hset", 1L, "pexpire", 1L));

    assertThat(commandsDuring(() -> a.reserve(limit, 10, TODAY, List.of())))
        .containsExactlyInAnyOrderEntriesOf(Map.of("evalsha", 1L, "hmget", 1L, "hset", 1L, "pexpire", 1L));
    Limit exhausted = new Limit(ModelId.of("round-trip-refused"), 1, 1, 0, 0);
    a.reserve(exhausted, 0, TODAY, List.of());
    // a refusal writes nothing: the script only read the cells
    assertThat(commandsDuring(() -> a.reserve(exhausted, 0, TODAY, List.of("")))).containsExactlyInAnyOrderEntriesOf(
        Map.of("evalsha", 1L, "hmget", 1L + 1L));
    Limit unlimited = new Limit(ModelId.of("round-trip"), 0, 0, 0, 0);
    assertThat(commandsDuring(() -> a.reserve(unlimited, 10, TODAY, List.of(""))))
        .containsExactlyInAnyOrderEntriesOf(Map.of("hmget", 1L));
    assertThat(commandsDuring(() -> a.reserve(unlimited, 10, TODAY, List.of()))).isEmpty();
  }

  /** The commands the server ran during {@code action}, by name and count, without our own. */
  private static Map<String, Long> commandsDuring(Runnable action) {
    plain.redis().configResetstat();
    action.run();
    Map<String, Long> calls = new HashMap<>();
    for (String line : plain.redis().info("commandstats").split("\r?\n")) {
      if (line.startsWith("cmdstat_")) {
        String name = line.substring("cmdstat_".length(), line.indexOf(':'));
        int from = line.indexOf("calls=") + "calls=".length();
        long count = Long.parseLong(line.substring(from, line.indexOf(',', from)));
        if (!name.startsWith("config") && !name.equals("info")) {
          calls.put(name, count);
        }
      }
    }
    return calls;
  }
}
