package dev.sheepdog.state.codec;

import static dev.sheepdog.state.codec.StateFixtures.answer;
import static dev.sheepdog.state.codec.StateFixtures.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sheepdog.spi.DeferredAnswer;
import dev.sheepdog.spi.DeferredEntry;
import dev.sheepdog.spi.DeferredQueue;
import dev.sheepdog.spi.DeferredRequest;
import dev.sheepdog.spi.DeferredState;
import dev.sheepdog.testkit.ManualTicker;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The {@link DeferredQueue} port's contract as a durable store must keep it, as a test to extend:
 * the file store and the Redis store alike, written against the port only.
 *
 * <p>An implementation provides {@link #open(int, int)}, a fresh and empty queue of a capacity that
 * keeps a number of settled entries, on {@link #clock}; and {@link #openAgain()}, the same queue
 * once more, as its durability promises it: after a restart on the same file, or as another gateway
 * instance sees a shared one. What only one store does (a file's lock, racing instances, a server
 * that goes down, expiry) stays in the subclass.
 */
public abstract class DurableDeferredQueueContract {
  /** The lease every claim here is given, unless a test says otherwise. */
  protected static final Duration LEASE = Duration.ofMinutes(1);

  /** The time the queues under test are given; it moves only when a test advances it. */
  protected final ManualTicker clock = new ManualTicker();

  /**
   * A new, empty queue taking up to {@code capacity} unsettled entries and keeping the {@code
   * retained} most recently settled ones, with its time from {@link #clock}.
   */
  protected abstract DeferredQueue open(int capacity, int retained);

  /**
   * The queue last {@linkplain #open opened}, opened again with the same settings: after a restart
   * (the one opened before may be closed), or as another instance sees it.
   */
  protected abstract DeferredQueue openAgain();

  /** A queue of ten, keeping ten settled entries. */
  protected DeferredQueue open() {
    return open(10, 10);
  }

  protected long now() {
    return clock.epochMillis();
  }

  /** The end of a lease taken now. */
  protected long leaseEnd() {
    return now() + LEASE.toMillis();
  }

  @Test
  void theQueueOpenedAgainHoldsEveryEntryInEveryStateWithItsAnswer() {
    // given five entries: one queued, one being replayed, one failed once, one delivered, one dead-lettered
    DeferredQueue queue = open();
    for (String id : new String[] {"queued", "replaying", "failed", "delivered", "dead"}) {
      assertThat(queue.offer(request(id, now()))).isTrue();
    }
    queue.offer(StateFixtures.richRequest("rich"));
    long lease = leaseEnd();
    queue.claim("replaying", now(), lease);
    long failed = queue.claim("failed", now(), lease).orElseThrow().claim();
    assertThat(queue.markFailed("failed", failed, "503 everywhere", now() + 5_000)).isTrue();
    DeferredAnswer answer = answer("chatcmpl-9", "the answer");
    assertThat(queue.markDelivered("delivered", queue.claim("delivered", now(), lease).orElseThrow().claim(), answer))
        .isTrue();
    assertThat(queue.markDeadLettered("dead", queue.claim("dead", now(), lease).orElseThrow().claim(), "gave up"))
        .isTrue();
    var before = queue.entries();

    // when the queue is opened again: after a restart, or by another instance
    DeferredQueue again = openAgain();

    // then every entry is there as it was, in the same order
    assertThat(again.entries()).isEqualTo(before);
    assertThat(again.entries()).extracting(DeferredEntry::id)
        .containsExactly("queued", "replaying", "failed", "delivered", "dead", "rich");
    assertThat(again.find("queued").orElseThrow().state()).isEqualTo(DeferredState.QUEUED);
    DeferredEntry replaying = again.find("replaying").orElseThrow();
    assertThat(replaying.state()).isEqualTo(DeferredState.REPLAYING);
    assertThat(replaying.claim()).isEqualTo(1);
    assertThat(replaying.leaseUntilEpochMillis()).isEqualTo(lease);
    DeferredEntry failedEntry = again.find("failed").orElseThrow();
    assertThat(failedEntry.state()).isEqualTo(DeferredState.QUEUED);
    assertThat(failedEntry.replays()).isEqualTo(1);
    assertThat(failedEntry.lastReason()).isEqualTo("503 everywhere");
    assertThat(failedEntry.nextAttemptAtEpochMillis()).isEqualTo(now() + 5_000);
    assertThat(again.find("delivered").orElseThrow().delivered()).contains(answer);
    assertThat(again.find("dead").orElseThrow().state()).isEqualTo(DeferredState.DEAD_LETTERED);
    assertThat(again.find("rich").orElseThrow().request()).isEqualTo(StateFixtures.richRequest("rich"));
    assertThat(again.queued()).isEqualTo(4);
  }

  @Test
  void theNextDueTimeIsTheEarliestNextAttemptOrLeaseEndAsTheEntriesSay() {
    // given
    DeferredQueue queue = open();
    long none = queue.nextDueAtEpochMillis();
    queue.offer(request("later", 5_000));
    queue.offer(request("sooner", 3_000));
    queue.offer(request("settled", 1_000));
    DeferredEntry settled = queue.claim("settled", 1_000, 9_000).orElseThrow();
    queue.markDeadLettered("settled", settled.claim(), "gone");
    long queuedOnly = queue.nextDueAtEpochMillis();
    // when the soonest is claimed under a lease
    queue.claim("sooner", 3_000, 4_000).orElseThrow();
    // then the store's index answers as a walk of the entries would
    assertThat(none).isEqualTo(Long.MAX_VALUE);
    assertThat(queuedOnly).isEqualTo(3_000);
    assertThat(queue.nextDueAtEpochMillis()).isEqualTo(4_000);
    assertThat(new WalkingQueue(queue).nextDueAtEpochMillis()).isEqualTo(4_000);
  }

  @Test
  void aClaimHoldsUntilItsLeaseEndsAndAStaleClaimSettlesNothing() {
    // given an entry claimed by a first replayer
    DeferredQueue queue = open();
    queue.offer(request("d1", now()));
    DeferredEntry first = queue.claim("d1", now(), leaseEnd()).orElseThrow();
    assertThat(first.state()).isEqualTo(DeferredState.REPLAYING);
    assertThat(first.claim()).isEqualTo(1);

    // when a second replayer tries while the lease runs, then it is refused and the pass skips it
    clock.advance(LEASE.minusSeconds(1));
    assertThat(queue.claim("d1", now(), leaseEnd())).isEmpty();
    assertThat(queue.due(now(), 10)).isEmpty();

    // when the lease has ended, then it is due and claimable again, one claim higher
    clock.advance(Duration.ofSeconds(1));
    assertThat(queue.due(now(), 10)).extracting(DeferredEntry::id).containsExactly("d1");
    DeferredEntry second = queue.claim("d1", now(), leaseEnd()).orElseThrow();
    assertThat(second.claim()).isEqualTo(2);

    // when the second replayer delivers, then the first one's late answer changes nothing
    DeferredAnswer kept = answer("second", "kept");
    assertThat(queue.markDelivered("d1", second.claim(), kept)).isTrue();
    assertThat(queue.markDelivered("d1", first.claim(), answer("first", "late"))).isFalse();
    assertThat(queue.markFailed("d1", first.claim(), "late", now())).isFalse();
    assertThat(queue.release("d1", second.claim(), "late", now())).isFalse();
    assertThat(queue.markDeadLettered("d1", second.claim(), "late")).isFalse();
    assertThat(queue.claim("d1", now() + LEASE.toMillis() * 10, leaseEnd())).isEmpty();
    assertThat(queue.find("d1").orElseThrow().delivered()).contains(kept);
  }

  @Test
  void aStaleClaimCannotSettleAnEntryClaimedAgain() {
    // given an entry whose first lease ended and that a second replayer claimed
    DeferredQueue queue = open();
    queue.offer(request("d1", now()));
    long firstClaim = queue.claim("d1", now(), leaseEnd()).orElseThrow().claim();
    clock.advance(LEASE);
    DeferredEntry current = queue.claim("d1", now(), leaseEnd()).orElseThrow();

    // when the first replayer settles in every way
    boolean delivered = queue.markDelivered("d1", firstClaim, answer("x", "late"));
    boolean failed = queue.markFailed("d1", firstClaim, "late", now());
    boolean released = queue.release("d1", firstClaim, "late", now());
    boolean dead = queue.markDeadLettered("d1", firstClaim, "late");

    // then nothing changes
    assertThat(delivered).isFalse();
    assertThat(failed).isFalse();
    assertThat(released).isFalse();
    assertThat(dead).isFalse();
    assertThat(queue.find("d1")).contains(current);
    assertThat(current.state()).isEqualTo(DeferredState.REPLAYING);
    assertThat(current.claim()).isEqualTo(firstClaim + 1);
    assertThat(current.replays()).isZero();
    assertThat(queue.queued()).isEqualTo(1);
  }

  @Test
  void settlingAnUnknownEntryIsFalse() {
    DeferredQueue queue = open();
    assertThat(queue.claim("nope", now(), leaseEnd())).isEmpty();
    assertThat(queue.markDelivered("nope", 1, answer("x", "y"))).isFalse();
    assertThat(queue.markFailed("nope", 1, "r", now())).isFalse();
    assertThat(queue.release("nope", 1, "r", now())).isFalse();
    assertThat(queue.markDeadLettered("nope", 1, "r")).isFalse();
    assertThat(queue.find("nope")).isEmpty();
  }

  @Test
  void aFullQueueRefusesAndSettledEntriesDoNotCount() {
    // given a queue of capacity two, full
    DeferredQueue queue = open(2, 10);
    assertThat(queue.offerOrRefusal(request("a", now()))).isEmpty();
    assertThat(queue.offer(request("b", now()))).isTrue();

    // when a third is offered, then it is refused and not kept
    assertThat(queue.offerOrRefusal(request("c", now()))).contains("the deferred queue is full");
    assertThat(queue.offer(request("c", now()))).isFalse();
    assertThat(queue.find("c")).isEmpty();

    // when one is delivered, then there is room again
    queue.markDelivered("a", queue.claim("a", now(), leaseEnd()).orElseThrow().claim(), answer("x", "y"));
    assertThat(queue.offer(request("c", now()))).isTrue();
    assertThat(queue.queued()).isEqualTo(2);
  }

  @Test
  void anIdAlreadyHeldIsRejectedQueuedOrSettled() {
    // given one queued entry and one delivered
    DeferredQueue queue = open();
    queue.offer(request("a", now()));
    queue.offer(request("b", now()));
    queue.markDelivered("b", queue.claim("b", now(), leaseEnd()).orElseThrow().claim(), answer("b", "done"));

    // when / then
    assertThatThrownBy(() -> queue.offer(request("a", now() + 1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("deferred id a is already in the queue");
    assertThatThrownBy(() -> queue.offerOrRefusal(request("b", now() + 1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("deferred id b is already in the queue");
    assertThat(queue.entries()).hasSize(2);
  }

  @Test
  void retentionForgetsTheOldestSettledEntriesBeyondTheCountKept() {
    // given a queue keeping two settled entries, and three entries settled in turn
    DeferredQueue queue = open(10, 2);
    for (String id : new String[] {"a", "b", "c", "live"}) {
      queue.offer(request(id, now()));
    }
    queue.markDelivered("a", queue.claim("a", now(), leaseEnd()).orElseThrow().claim(), answer("x", "a"));
    queue.markDeadLettered("b", queue.claim("b", now(), leaseEnd()).orElseThrow().claim(), "gave up");

    // when a third is settled
    queue.markDelivered("c", queue.claim("c", now(), leaseEnd()).orElseThrow().claim(), answer("x", "c"));

    // then the oldest settled one is gone and the rest stay, the unsettled one included
    assertThat(queue.find("a")).isEmpty();
    assertThat(queue.entries()).extracting(DeferredEntry::id).containsExactly("b", "c", "live");
  }

  @Test
  void dueListsOldestFirstUpToMax() {
    // given three entries, the middle one put off
    DeferredQueue queue = open();
    queue.offer(request("a", now()));
    queue.offer(request("b", now()));
    queue.offer(request("c", now()));
    queue.release("b", queue.claim("b", now(), leaseEnd()).orElseThrow().claim(), "no model yet", now() + 1_000);

    // then due lists the others in order, bounded by max
    assertThat(queue.due(now(), 10)).extracting(DeferredEntry::id).containsExactly("a", "c");
    assertThat(queue.due(now(), 1)).extracting(DeferredEntry::id).containsExactly("a");
    assertThat(queue.due(now(), 0)).isEmpty();
    assertThat(queue.due(now() + 1_000, 10)).extracting(DeferredEntry::id).containsExactly("a", "b", "c");
    assertThatThrownBy(() -> queue.due(now(), -1)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void theQueueMovesThroughItsStatesAsThePortSays() {
    DeferredQueue queue = open();
    DeferredEntry offered = DeferredEntry.queued(request("d", now()));
    queue.offer(offered.request());
    assertThat(queue.find("d")).contains(offered);

    // QUEUED -> REPLAYING
    DeferredEntry claimed = queue.claim("d", now(), leaseEnd()).orElseThrow();
    assertThat(claimed).isEqualTo(offered.claimed(leaseEnd()));

    // REPLAYING -> QUEUED, not counted
    assertThat(queue.release("d", claimed.claim(), "no model would take it", now() + 10)).isTrue();
    DeferredEntry released = claimed.requeued("no model would take it", now() + 10, false);
    assertThat(queue.find("d")).contains(released);
    assertThat(released.replays()).isZero();

    // REPLAYING -> QUEUED, counted (a queued entry is claimable before it is due)
    DeferredEntry again = queue.claim("d", now(), leaseEnd()).orElseThrow();
    assertThat(again).isEqualTo(released.claimed(leaseEnd()));
    assertThat(queue.markFailed("d", again.claim(), "timeout", now() + 20)).isTrue();
    DeferredEntry failed = again.requeued("timeout", now() + 20, true);
    assertThat(queue.find("d")).contains(failed);
    assertThat(failed.replays()).isEqualTo(1);

    // REPLAYING -> DEAD_LETTERED, counted
    clock.advance(Duration.ofMillis(20));
    DeferredEntry last = queue.claim("d", now(), leaseEnd()).orElseThrow();
    assertThat(queue.markDeadLettered("d", last.claim(), "too many failures")).isTrue();
    DeferredEntry dead = last.deadLettered("too many failures");
    assertThat(queue.find("d")).contains(dead);
    assertThat(dead.replays()).isEqualTo(2);
    assertThat(queue.queued()).isZero();

    // REPLAYING -> DELIVERED
    queue.offer(request("e", now()));
    DeferredEntry e = queue.claim("e", now(), leaseEnd()).orElseThrow();
    DeferredAnswer answer = answer("e", "done");
    assertThat(queue.markDelivered("e", e.claim(), answer)).isTrue();
    assertThat(queue.find("e")).contains(e.deliveredWith(answer));
    assertThat(queue.due(now() + 1_000_000, 10)).isEmpty();
    assertThat(queue.nextDueAtEpochMillis()).isEqualTo(Long.MAX_VALUE);
    assertThat(queue.entries()).hasSize(2);
  }

  /** The port's default {@code nextDueAtEpochMillis}, walking the entries of {@code queue}. */
  private record WalkingQueue(DeferredQueue queue) implements DeferredQueue {
    @Override
    public boolean offer(DeferredRequest request) {
      return queue.offer(request);
    }

    @Override
    public List<DeferredEntry> due(long now, int max) {
      return queue.due(now, max);
    }

    @Override
    public Optional<DeferredEntry> claim(String id, long now, long leaseUntil) {
      return queue.claim(id, now, leaseUntil);
    }

    @Override
    public boolean markDelivered(String id, long claim, DeferredAnswer answer) {
      return queue.markDelivered(id, claim, answer);
    }

    @Override
    public boolean markFailed(String id, long claim, String reason, long next) {
      return queue.markFailed(id, claim, reason, next);
    }

    @Override
    public boolean release(String id, long claim, String reason, long next) {
      return queue.release(id, claim, reason, next);
    }

    @Override
    public boolean markDeadLettered(String id, long claim, String reason) {
      return queue.markDeadLettered(id, claim, reason);
    }

    @Override
    public Optional<DeferredEntry> find(String id) {
      return queue.find(id);
    }

    @Override
    public List<DeferredEntry> entries() {
      return queue.entries();
    }

    @Override
    public int queued() {
      return queue.queued();
    }
  }
}
