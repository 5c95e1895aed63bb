package dev.sheepdog.state.redis;

import static dev.sheepdog.state.codec.StateFixtures.answer;
import static dev.sheepdog.state.codec.StateFixtures.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.sheepdog.spi.DeferredAnswer;
import dev.sheepdog.spi.DeferredEntry;
import dev.sheepdog.spi.DeferredQueue;
import dev.sheepdog.spi.DeferredState;
import dev.sheepdog.spi.RouterListener;
import dev.sheepdog.spi.SharedStateUnavailableException;
import dev.sheepdog.state.codec.DurableDeferredQueueContract;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The deferred queue's contract ({@link DurableDeferredQueueContract}) against a real redis-server,
 * "opened again" being another instance on its own connection, and what sharing it adds: several
 * instances on one queue, racing claimers, a replayer that dies, a Redis restart, retention by
 * expiry.
 */
class RedisDeferredQueueTest extends DurableDeferredQueueContract {
  private static final Duration RETENTION = Duration.ofHours(1);
  private static final String PREFIX = "t";

  private static RedisServer server;

  private final List<RedisLink> links = new ArrayList<>();
  private int capacity;
  private int retained;

  @BeforeAll
  static void startRedis() throws IOException {
    server = RedisServer.start();
  }

  @AfterAll
  static void stopRedis() throws IOException {
    if (server != null) {
      server.close();
    }
  }

  @BeforeEach
  void emptyRedis() throws IOException {
    server.startAgain();
    assertThat(server.command("FLUSHALL")).isEqualTo("+OK");
  }

  @AfterEach
  void closeLinks() {
    links.forEach(RedisLink::close);
  }

  /** A new connection to the test server, as another gateway instance would have. */
  private RedisLink link() {
    RedisLink link = new RedisLink(RedisSettings.of(server.uri()).withPrefix(PREFIX), RouterListener.NONE, clock);
    link.connect();
    links.add(link);
    return link;
  }

  /** A queue on its own connection: one gateway instance's view of the shared queue. */
  @Override
  protected RedisDeferredQueue open(int capacity, int retained) {
    this.capacity = capacity;
    this.retained = retained;
    return new RedisDeferredQueue(link(), capacity, retained, RETENTION, clock);
  }

  @Override
  protected RedisDeferredQueue open() {
    return open(10, 10);
  }

  /** Another instance: a queue of the same settings on a connection of its own, under the same prefix. */
  @Override
  protected DeferredQueue openAgain() {
    return open(capacity, retained);
  }

  private static long claim(DeferredQueue queue, String id, long now) {
    return queue.claim(id, now, now + LEASE.toMillis()).orElseThrow().claim();
  }

  private long pttl(String key) throws IOException {
    String reply = server.command("PTTL " + key);
    assertThat(reply).startsWith(":");
    return Long.parseLong(reply.substring(1));
  }

  // ---- more of the port's contract, as the in-memory queue's tests have it, and paging

  @Test
  void aSettledEntryCannotBeSettledOrClaimedAgain() {
    // given a delivered entry
    DeferredQueue queue = open();
    queue.offer(request("a", 1));
    long claim = claim(queue, "a", 1);
    queue.markDelivered("a", claim, answer("a", "first"));

    // when / then
    assertThat(queue.markDelivered("a", claim, answer("a", "second"))).isFalse();
    assertThat(queue.markFailed("a", claim, "x", 0)).isFalse();
    assertThat(queue.release("a", claim, "x", 0)).isFalse();
    assertThat(queue.markDeadLettered("a", claim, "x")).isFalse();
    assertThat(queue.claim("a", 1, 1 + LEASE.toMillis())).isEmpty();
    assertThat(queue.find("a")).get().satisfies(e -> {
      assertThat(e.state()).isEqualTo(DeferredState.DELIVERED);
      assertThat(e.delivered()).contains(answer("a", "first"));
      assertThat(e.leaseUntilEpochMillis()).isZero();
    });
    assertThat(queue.queued()).isZero();
  }

  @Test
  void capacityCountsEntriesBeingReplayed() {
    // given a queue of two whose entries are both being replayed
    DeferredQueue queue = open(2, 10);
    queue.offer(request("a", 1));
    queue.offer(request("b", 1));
    claim(queue, "a", 1);
    claim(queue, "b", 1);

    // when
    Optional<String> refusal = queue.offerOrRefusal(request("c", 2));

    // then
    assertThat(refusal).contains("the deferred queue is full");
    assertThat(queue.find("c")).isEmpty();
  }

  @Test
  void aLongBacklogIsListedOldestFirstAcrossPages() {
    // given more entries than a page, every third one put off, the others due
    int count = RedisDeferredQueue.PAGE * 2 + 50;
    DeferredQueue queue = open(count, 10);
    List<String> dueIds = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      String id = String.format("e%04d", i);
      // the later ones deferred earlier, so that deferral order is not due-time order
      queue.offer(request(id, now() - i));
      if (i % 3 == 0) {
        queue.release(id, claim(queue, id, now()), "later", now() + 1_000);
      } else {
        dueIds.add(id);
      }
    }

    // when a pass asks for more than a page, and for all of them
    List<DeferredEntry> some = queue.due(now(), RedisDeferredQueue.PAGE + 20);
    List<DeferredEntry> all = queue.due(now(), count);

    // then they come in deferral order, only the due ones, as many as asked
    assertThat(some).extracting(DeferredEntry::id).containsExactlyElementsOf(
        dueIds.subList(0, RedisDeferredQueue.PAGE + 20));
    assertThat(all).extracting(DeferredEntry::id).containsExactlyElementsOf(dueIds);
    assertThat(queue.due(now() + 1_000, count)).hasSize(count);
    assertThat(queue.entries()).hasSize(count).extracting(DeferredEntry::id).isSorted();
  }

  @Test
  void afterTheLeaseEndsTheEntryIsDueAndClaimedAgainWithTheNextClaimNumber() {
    // given a claim whose replayer never settles it
    DeferredQueue queue = open();
    queue.offer(request("a", 1));
    DeferredEntry first = queue.claim("a", 100, 100 + LEASE.toMillis()).orElseThrow();
    assertThat(queue.claim("a", 100 + LEASE.toMillis() - 1, 200 + LEASE.toMillis())).isEmpty();

    // when the lease ends
    long end = 100 + LEASE.toMillis();

    // then
    assertThat(queue.due(end - 1, 10)).isEmpty();
    assertThat(queue.due(end, 10)).extracting(DeferredEntry::id).containsExactly("a");
    DeferredEntry second = queue.claim("a", end, end + LEASE.toMillis()).orElseThrow();
    assertThat(second.claim()).isEqualTo(first.claim() + 1);
    assertThat(second.leaseUntilEpochMillis()).isEqualTo(end + LEASE.toMillis());
    assertThat(second.state()).isEqualTo(DeferredState.REPLAYING);
  }

  @Test
  void everyEntryIsFoundInExactlyOneState() {
    // given
    DeferredQueue queue = open();
    queue.offer(request("queued", 1));
    queue.offer(request("delivered", 2));
    queue.offer(request("dead", 3));

    // when
    queue.markFailed("queued", claim(queue, "queued", 3), "503 everywhere", 5_000);
    queue.markDelivered("delivered", claim(queue, "delivered", 3), answer("x", "hi"));
    queue.markFailed("dead", claim(queue, "dead", 3), "timeout", 10);
    queue.markDeadLettered("dead", claim(queue, "dead", 10), "timeout");

    // then
    assertThat(queue.find("queued")).get().satisfies(e -> {
      assertThat(e.state()).isEqualTo(DeferredState.QUEUED);
      assertThat(e.replays()).isEqualTo(1);
      assertThat(e.nextAttemptAtEpochMillis()).isEqualTo(5_000);
      assertThat(e.lastReason()).isEqualTo("503 everywhere");
    });
    assertThat(queue.find("delivered")).get().extracting(DeferredEntry::state).isEqualTo(DeferredState.DELIVERED);
    assertThat(queue.find("dead")).get().satisfies(e -> {
      assertThat(e.state()).isEqualTo(DeferredState.DEAD_LETTERED);
      assertThat(e.replays()).isEqualTo(2);
      assertThat(e.lastReason()).isEqualTo("timeout");
      assertThat(e.delivered()).isEmpty();
    });
    assertThat(queue.entries()).extracting(DeferredEntry::id).containsExactly("queued", "delivered", "dead");
    assertThat(queue.queued()).isEqualTo(1);
    assertThat(queue.due(4_999, 10)).isEmpty();
    assertThat(queue.due(5_000, 10)).extracting(DeferredEntry::id).containsExactly("queued");
  }

  @Test
  void aFailedReplayIsCountedAndAReleaseIsNot() {
    // given
    DeferredQueue queue = open();
    queue.offer(request("failed", 1));
    queue.offer(request("released", 1));

    // when
    boolean failed = queue.markFailed("failed", claim(queue, "failed", 1), "503", 5_000);
    boolean released = queue.release("released", claim(queue, "released", 1), "circuits open", 30_000);

    // then
    assertThat(failed).isTrue();
    assertThat(released).isTrue();
    assertThat(queue.find("failed")).get().satisfies(e -> {
      assertThat(e.state()).isEqualTo(DeferredState.QUEUED);
      assertThat(e.replays()).isEqualTo(1);
      assertThat(e.nextAttemptAtEpochMillis()).isEqualTo(5_000);
      assertThat(e.leaseUntilEpochMillis()).isZero();
    });
    assertThat(queue.find("released")).get().satisfies(e -> {
      assertThat(e.state()).isEqualTo(DeferredState.QUEUED);
      assertThat(e.replays()).isZero();
      assertThat(e.nextAttemptAtEpochMillis()).isEqualTo(30_000);
      assertThat(e.lastReason()).isEqualTo("circuits open");
    });
    assertThat(queue.nextDueAtEpochMillis()).isEqualTo(5_000);
  }

  @Test
  void queuedCountsQueuedAndReplayingEntries() {
    // given
    DeferredQueue queue = open();
    queue.offer(request("queued", 1));
    queue.offer(request("replaying", 1));
    queue.offer(request("delivered", 1));

    // when
    claim(queue, "replaying", 1);
    queue.markDelivered("delivered", claim(queue, "delivered", 1), answer("x", "hi"));

    // then
    assertThat(queue.queued()).isEqualTo(2);
  }

  // ---- what sharing the queue through Redis adds

  @Test
  void anEntryWhoseReplayerDiedIsTakenOverByAnotherInstanceAndDeliveredOnce() {
    // given instance A parks an entry and instance B finds it
    RedisDeferredQueue a = open();
    RedisDeferredQueue b = open();
    assertThat(a.offer(request("d1", now()))).isTrue();
    assertThat(b.find("d1")).contains(DeferredEntry.queued(request("d1", now())));

    // when A claims it and dies mid-replay (it just stops), B cannot take it while A's lease runs
    DeferredEntry byA = a.claim("d1", now(), leaseEnd()).orElseThrow();
    clock.advance(LEASE.minusMillis(1));
    assertThat(b.due(now(), 10)).isEmpty();
    assertThat(b.claim("d1", now(), leaseEnd())).isEmpty();
    assertThat(b.nextDueAtEpochMillis()).isEqualTo(byA.leaseUntilEpochMillis());

    // when the lease has ended, B takes it over and delivers
    clock.advance(Duration.ofMillis(1));
    assertThat(b.due(now(), 10)).extracting(DeferredEntry::id).containsExactly("d1");
    DeferredEntry byB = b.claim("d1", now(), leaseEnd()).orElseThrow();
    DeferredAnswer answerOfB = answer("b", "from B");
    assertThat(b.markDelivered("d1", byB.claim(), answerOfB)).isTrue();

    // then A's late answer (had it only been slow) changes nothing, and both see B's answer
    assertThat(byB.claim()).isEqualTo(byA.claim() + 1);
    assertThat(a.markDelivered("d1", byA.claim(), answer("a", "from A"))).isFalse();
    assertThat(a.find("d1").orElseThrow().delivered()).contains(answerOfB);
    assertThat(b.find("d1").orElseThrow().delivered()).contains(answerOfB);
    assertThat(a.queued()).isZero();
  }

  @Test
  void ofManyClaimersOnTwoInstancesExactlyOneGetsEachEntry() throws Exception {
    // given fifty queued entries and eight replayers on two instances
    List<RedisDeferredQueue> instances = List.of(open(100, 10), open(100, 10));
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      ids.add("e" + i);
      assertThat(instances.get(0).offer(request("e" + i, now()))).isTrue();
    }
    ExecutorService threads = Executors.newFixedThreadPool(8);
    CountDownLatch start = new CountDownLatch(1);
    ConcurrentLinkedQueue<DeferredEntry> won = new ConcurrentLinkedQueue<>();
    List<Future<?>> claimers = new ArrayList<>();

    // when all of them try to claim every entry at once, each in its own order
    for (int t = 0; t < 8; t++) {
      RedisDeferredQueue queue = instances.get(t % 2);
      List<String> mine = new ArrayList<>(ids);
      Collections.shuffle(mine, new java.util.Random(t));
      claimers.add(threads.submit((Callable<Void>) () -> {
        start.await();
        for (String id : mine) {
          queue.claim(id, now(), leaseEnd()).ifPresent(won::add);
        }
        return null;
      }));
    }
    start.countDown();
    for (Future<?> claimer : claimers) {
      claimer.get(30, TimeUnit.SECONDS);
    }
    threads.shutdown();

    // then every entry was claimed exactly once, with claim number one
    assertThat(won).extracting(DeferredEntry::id).containsExactlyInAnyOrderElementsOf(ids);
    assertThat(won).allSatisfy(entry -> assertThat(entry.claim()).isEqualTo(1));
    assertThat(instances.get(1).due(now(), 100)).isEmpty();
  }

  @Test
  void concurrentOffersOnTwoInstancesNeverExceedTheCapacity() throws Exception {
    // given a queue of ten shared by two instances
    List<RedisDeferredQueue> instances = List.of(open(10, 10), open(10, 10));
    ExecutorService threads = Executors.newFixedThreadPool(8);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<List<Optional<String>>>> offerers = new ArrayList<>();

    // when eight threads offer five entries each at once
    for (int t = 0; t < 8; t++) {
      RedisDeferredQueue queue = instances.get(t % 2);
      int thread = t;
      offerers.add(threads.submit(() -> {
        start.await();
        List<Optional<String>> outcomes = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
          outcomes.add(queue.offerOrRefusal(request("t" + thread + "-" + i, now())));
        }
        return outcomes;
      }));
    }
    start.countDown();
    List<Optional<String>> outcomes = new ArrayList<>();
    for (Future<List<Optional<String>>> offerer : offerers) {
      outcomes.addAll(offerer.get(30, TimeUnit.SECONDS));
    }
    threads.shutdown();

    // then exactly ten were taken and the rest refused as full
    assertThat(outcomes).filteredOn(Optional::isEmpty).hasSize(10);
    assertThat(outcomes).filteredOn(Optional::isPresent)
        .allSatisfy(refusal -> assertThat(refusal).contains("the deferred queue is full"));
    assertThat(instances.get(1).queued()).isEqualTo(10);
    assertThat(instances.get(0).entries()).hasSize(10);
  }

  @Test
  void whileRedisIsDownOffersAreRefusedAndReadsThrowThenItWorksAgain() throws Exception {
    // given a queue holding an entry
    RedisLink link = link();
    RedisDeferredQueue queue = new RedisDeferredQueue(link, 10, 10, RETENTION, clock);
    assertThat(queue.offer(request("before", now()))).isTrue();

    // when Redis dies
    server.stop();

    // then offers are refused with a reason (never thrown), and everything else throws
    assertThat(queue.offerOrRefusal(request("during", now()))).contains("the deferred store cannot be reached");
    assertThat(queue.offer(request("during", now()))).isFalse();
    assertThatThrownBy(() -> queue.find("before")).isInstanceOf(SharedStateUnavailableException.class);
    assertThatThrownBy(() -> queue.due(now(), 10)).isInstanceOf(SharedStateUnavailableException.class);
    assertThatThrownBy(() -> queue.claim("before", now(), leaseEnd()))
        .isInstanceOf(SharedStateUnavailableException.class);
    assertThatThrownBy(() -> queue.markFailed("before", 1, "x", now()))
        .isInstanceOf(SharedStateUnavailableException.class);
    assertThatThrownBy(queue::entries).isInstanceOf(SharedStateUnavailableException.class);
    assertThatThrownBy(queue::queued).isInstanceOf(SharedStateUnavailableException.class);
    assertThatThrownBy(queue::nextDueAtEpochMillis).isInstanceOf(SharedStateUnavailableException.class);

    // when it is back: the link reconnects in the background, in real time, and its breaker lets a
    // trial through once the isolation (on the manual clock) is over
    server.startAgain();
    await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20)).until(() -> {
      clock.advance(RedisSettings.DEFAULT_ISOLATION);
      try {
        return "PONG".equals(link.call(redis -> redis.ping()));
      } catch (SharedStateUnavailableException e) {
        return false;
      }
    });

    // then the queue works again (its scripts are loaded anew); the test server runs without
    // persistence, so what it held is gone: a production Redis must persist (AOF or RDB)
    assertThat(queue.offerOrRefusal(request("after", now()))).isEmpty();
    assertThat(queue.find("after")).isPresent();
    assertThat(queue.find("before")).isEmpty();
    assertThat(queue.claim("after", now(), leaseEnd())).isPresent();
  }

  @Test
  void aSettledEntryExpiresInRedisAfterTheRetentionAndAnUnsettledOneNever() throws IOException {
    // given a queue keeping settled entries for thirty seconds
    RedisDeferredQueue queue = new RedisDeferredQueue(link(), 10, 10, Duration.ofSeconds(30), clock);
    queue.offer(request("delivered", now()));
    queue.offer(request("dead", now()));
    queue.offer(request("queued", now()));

    // when two are settled
    queue.markDelivered("delivered", claim(queue, "delivered", now()), answer("x", "y"));
    queue.markDeadLettered("dead", claim(queue, "dead", now()), "gave up");

    // then Redis expires their hashes after the retention, and the queued one has no expiry
    assertThat(pttl(queue.entryKey("delivered"))).isBetween(1L, 30_000L);
    assertThat(pttl(queue.entryKey("dead"))).isBetween(1L, 30_000L);
    assertThat(pttl(queue.entryKey("queued"))).isEqualTo(-1L);
    assertThat(queue.find("delivered")).isPresent();
  }

  @Test
  void settlingForgetsEntriesSettledLongerAgoThanTheRetention() {
    // given an entry delivered thirty seconds ago, as this instance's clock says
    RedisDeferredQueue queue = new RedisDeferredQueue(link(), 10, 10, Duration.ofSeconds(30), clock);
    queue.offer(request("old", now()));
    queue.offer(request("new", now()));
    queue.markDelivered("old", claim(queue, "old", now()), answer("x", "old"));
    clock.advance(Duration.ofSeconds(29));
    assertThat(queue.find("old")).isPresent();
    clock.advance(Duration.ofSeconds(1));

    // when another entry is settled
    queue.markDelivered("new", claim(queue, "new", now()), answer("x", "new"));

    // then the old one is gone from Redis and from the listing, before its hash would have expired
    assertThat(queue.find("old")).isEmpty();
    assertThat(queue.entries()).extracting(DeferredEntry::id).containsExactly("new");
    // and its id may be deferred again
    assertThat(queue.offer(request("old", now()))).isTrue();
  }

  @Test
  void everyDeferralIsAppendedToAStreamAndEveryKeySharesOneHashTag() throws IOException {
    // given
    RedisLink link = link();
    RedisDeferredQueue queue = new RedisDeferredQueue(link, 10, 10, RETENTION, clock);

    // when three entries are offered and one is settled
    for (String id : new String[] {"a", "b", "c"}) {
      queue.offer(request(id, now()));
    }
    queue.markDelivered("a", claim(queue, "a", now()), answer("x", "a"));

    // then the log has a record for each deferral
    assertThat(server.command("XLEN " + PREFIX + ":deferred:{q}:log")).isEqualTo(":3");
    // and every key the queue wrote is in the one slot of the hash tag {q}
    List<String> keys = link.call(redis -> redis.keys(PREFIX + ":*"));
    assertThat(keys).isNotEmpty().allSatisfy(key -> assertThat(key).startsWith(PREFIX + ":deferred:{q}:"));
  }

  @Test
  void queuesUnderAnotherPrefixAreSeparate() {
    // given a queue under another prefix
    RedisLink otherLink = new RedisLink(RedisSettings.of(server.uri()).withPrefix("other"), RouterListener.NONE,
        clock);
    otherLink.connect();
    links.add(otherLink);
    RedisDeferredQueue other = new RedisDeferredQueue(otherLink, 10, RETENTION, clock);
    RedisDeferredQueue queue = open();

    // when
    queue.offer(request("a", now()));

    // then
    assertThat(other.find("a")).isEmpty();
    assertThat(other.queued()).isZero();
    assertThat(other.offer(request("a", now()))).isTrue();
  }
}
