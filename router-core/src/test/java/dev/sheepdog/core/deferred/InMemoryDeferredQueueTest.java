package dev.sheepdog.core.deferred;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sheepdog.spi.ChatRequest;
import dev.sheepdog.spi.ChatResponse;
import dev.sheepdog.spi.DeferredAnswer;
import dev.sheepdog.spi.DeferredEntry;
import dev.sheepdog.spi.DeferredRequest;
import dev.sheepdog.spi.DeferredState;
import dev.sheepdog.spi.ModelId;
import dev.sheepdog.spi.Money;
import dev.sheepdog.spi.RouteHints;
import dev.sheepdog.spi.Usage;
import org.junit.jupiter.api.Test;

class InMemoryDeferredQueueTest {
  private static final long LEASE = 60_000;

  static DeferredRequest request(String id, long at) {
    return new DeferredRequest(id, "key-" + id, ChatRequest.ofUser("hello " + id), RouteHints.DEFAULT, at,
        "all models failed");
  }

  static DeferredAnswer answer(String text) {
    return new DeferredAnswer(ModelId.of("m"), ChatResponse.of("id", "m", text, "stop", Usage.NONE), Money.ZERO, 0);
  }

  /** Claims {@code id} at {@code now} under a one-minute lease and returns the claim number. */
  private static long claim(InMemoryDeferredQueue queue, String id, long now) {
    return queue.claim(id, now, now + LEASE).orElseThrow().claim();
  }

  @Test
  void fullQueueSaysSo() {
    // given
    InMemoryDeferredQueue queue = new InMemoryDeferredQueue(2, 10);
    assertThat(queue.offer(request("a", 1))).isTrue();
    assertThat(queue.offer(request("b", 2))).isTrue();

    // when
    boolean accepted = queue.offer(request("c", 3));

    // then
    assertThat(accepted).isFalse();
    assertThat(queue.queued()).isEqualTo(2);
    assertThat(queue.find("c")).isEmpty();
  }

  @Test
  void deliveringAnEntryMakesRoomAndKeepsItFindable() {
    // given
    InMemoryDeferredQueue queue = new InMemoryDeferredQueue(1, 10);
    queue.offer(request("a", 1));

    // when
    queue.markDelivered("a", claim(queue, "a", 1), answer("hi"));

    // then
    assertThat(queue.offer(request("b", 2))).isTrue();
    assertThat(queue.find("a")).get().extracting(DeferredEntry::state).isEqualTo(DeferredState.DELIVERED);
  }

  @Test
  void everyEntryIsFoundInExactlyOneState() {
    // given
    InMemoryDeferredQueue queue = new InMemoryDeferredQueue();
    queue.offer(request("queued", 1));
    queue.offer(request("delivered", 2));
    queue.offer(request("dead", 3));

    // when
    queue.markFailed("queued", claim(queue, "queued", 3), "503 everywhere", 5_000);
    queue.markDelivered("delivered", claim(queue, "delivered", 3), answer("hi"));
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
      assertThat(e.lastReason()).isEqualTo("timeout");
    });
    assertThat(queue.entries()).extracting(DeferredEntry::id).containsExactly("queued", "delivered", "dead");
    assertThat(queue.queued()).isEqualTo(1);
    assertThat(queue.due(4_999, 10)).isEmpty();
    assertThat(queue.due(5_000, 10)).extracting(DeferredEntry::id).containsExactly("queued");
  }

  @Test
  void settledEntryCannotBeSettledAgain() {
    // given
    InMemoryDeferredQueue queue = new InMemoryDeferredQueue();
    queue.offer(request("a", 1));
    long claim = claim(queue, "a", 1);
    queue.markDelivered("a", claim, answer("first"));

    // when / then
    assertThat(queue.markDelivered("a", claim, answer("second"))).isFalse();
    assertThat(queue.markFailed("a", claim, "x", 0)).isFalse();
    assertThat(queue.markDeadLettered("a", claim, "x")).isFalse();
    assertThat(queue.claim("a", 1, 1 + LEASE)).isEmpty();
    assertThat(queue.markFailed("missing", 1, "x", 0)).isFalse();
    assertThat(queue.claim("missing", 1, 1 + LEASE)).isEmpty();
    assertThat(queue.find("a")).get().satisfies(e -> {
      assertThat(e.state()).isEqualTo(DeferredState.DELIVERED);
      assertThat(e.delivered()).contains(answer("first"));
    });
    assertThatThrownBy(() -> queue.offer(request("a", 2))).hasMessageContaining("already in the queue");
  }

  @Test
  void oldestSettledEntriesAreForgottenBeyondRetention() {
    // given
    InMemoryDeferredQueue queue = new InMemoryDeferredQueue(10, 2);
    for (String id : new String[] {"a", "b", "c"}) {
      queue.offer(request(id, 1));
      queue.markDelivered(id, claim(queue, id, 1), answer(id));
    }

    // then
    assertThat(queue.find("a")).isEmpty();
    assertThat(queue.entries()).extracting(DeferredEntry::id).containsExactly("b", "c");
  }

  @Test
  void aClaimMakesTheEntryReplayingUnderALeaseWithTheNextClaimNumber() {
    // given
    InMemoryDeferredQueue queue = new InMemoryDeferredQueue();
    queue.offer(request("a", 1));
    long before = queue.find("a").orElseThrow().claim();

    // when
    DeferredEntry claimed = queue.claim("a", 100, 100 + LEASE).orElseThrow();

    // then
    assertThat(claimed.state()).isEqualTo(DeferredState.REPLAYING);
    assertThat(claimed.claim()).isEqualTo(before + 1);
    assertThat(claimed.leaseUntilEpochMillis()).isEqualTo(100 + LEASE);
    assertThat(queue.find("a")).contains(claimed);
    assertThat(queue.due(100, 10)).as("held under its lease").isEmpty();
  }

  @Test
  void aSecondClaimWhileTheLeaseRunsIsRefused() {
    // given
    InMemoryDeferredQueue queue = new InMemoryDeferredQueue();
    queue.offer(request("a", 1));
    DeferredEntry first = queue.claim("a", 100, 100 + LEASE).orElseThrow();

    // when
    var second = queue.claim("a", 100 + LEASE - 1, 200 + LEASE);

    // then
    assertThat(second).isEmpty();
    assertThat(queue.find("a")).contains(first);
  }

  @Test
  void afterTheLeaseEndsTheEntryIsDueAndClaimedAgainWithTheNextClaimNumber() {
    // given a claim whose replayer never settles it
    InMemoryDeferredQueue queue = new InMemoryDeferredQueue();
    queue.offer(request("a", 1));
    DeferredEntry first = queue.claim("a", 100, 100 + LEASE).orElseThrow();

    // when the lease ends
    long end = 100 + LEASE;

    // then
    assertThat(queue.due(end - 1, 10)).isEmpty();
    assertThat(queue.due(end, 10)).extracting(DeferredEntry::id).containsExactly("a");
    DeferredEntry second = queue.claim("a", end, end + LEASE).orElseThrow();
    assertThat(second.claim()).isEqualTo(first.claim() + 1);
    assertThat(second.leaseUntilEpochMillis()).isEqualTo(end + LEASE);
    assertThat(second.state()).isEqualTo(DeferredState.REPLAYING);
  }

  @Test
  void settlingWithAStaleClaimReturnsFalseAndChangesNothing() {
    // given: the first claim's lease ended and a second replayer claimed the entry
    InMemoryDeferredQueue queue = new InMemoryDeferredQueue();
    queue.offer(request("a", 1));
    long stale = claim(queue, "a", 100);
    DeferredEntry current = queue.claim("a", 100 + LEASE, 100 + 2 * LEASE).orElseThrow();

    // when
    boolean delivered = queue.markDelivered("a", stale, answer("late"));
    boolean failed = queue.markFailed("a", stale, "x", 5);
    boolean released = queue.release("a", stale, "x", 5);
    boolean dead = queue.markDeadLettered("a", stale, "x");

    // then
    assertThat(delivered).isFalse();
    assertThat(failed).isFalse();
    assertThat(released).isFalse();
    assertThat(dead).isFalse();
    assertThat(queue.find("a")).contains(current);
    assertThat(queue.queued()).isEqualTo(1);
  }

  @Test
  void aDeliveredEntryKeepsItsAnswer() {
    // given
    InMemoryDeferredQueue queue = new InMemoryDeferredQueue();
    queue.offer(request("a", 1));
    DeferredAnswer answer = new DeferredAnswer(ModelId.of("gpt"), ChatResponse.of("r-1", "gpt", "hello", "stop",
        Usage.NONE), Money.ofUsd("0.25"), 1_234);

    // when
    boolean settled = queue.markDelivered("a", claim(queue, "a", 1), answer);

    // then
    assertThat(settled).isTrue();
    assertThat(queue.find("a")).get().satisfies(e -> {
      assertThat(e.state()).isEqualTo(DeferredState.DELIVERED);
      assertThat(e.answer()).isEqualTo(answer);
      assertThat(e.delivered()).contains(answer);
      assertThat(e.leaseUntilEpochMillis()).isZero();
    });
    assertThat(queue.queued()).isZero();
  }

  @Test
  void aFailedReplayIsCountedAndAReleaseIsNot() {
    // given
    InMemoryDeferredQueue queue = new InMemoryDeferredQueue();
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
  }

  @Test
  void deadLetteringCountsTheLastFailedReplay() {
    // given
    InMemoryDeferredQueue queue = new InMemoryDeferredQueue();
    queue.offer(request("a", 1));
    queue.markFailed("a", claim(queue, "a", 1), "503", 2);

    // when
    boolean dead = queue.markDeadLettered("a", claim(queue, "a", 2), "gave up");

    // then
    assertThat(dead).isTrue();
    assertThat(queue.find("a")).get().satisfies(e -> {
      assertThat(e.state()).isEqualTo(DeferredState.DEAD_LETTERED);
      assertThat(e.replays()).isEqualTo(2);
      assertThat(e.lastReason()).isEqualTo("gave up");
      assertThat(e.delivered()).isEmpty();
    });
  }

  @Test
  void queuedCountsQueuedAndReplayingEntries() {
    // given
    InMemoryDeferredQueue queue = new InMemoryDeferredQueue();
    queue.offer(request("queued", 1));
    queue.offer(request("replaying", 1));
    queue.offer(request("delivered", 1));

    // when
    claim(queue, "replaying", 1);
    queue.markDelivered("delivered", claim(queue, "delivered", 1), answer("hi"));

    // then
    assertThat(queue.queued()).isEqualTo(2);
  }

  @Test
  void capacityCountsEntriesBeingReplayed() {
    // given a queue of two whose entries are both being replayed
    InMemoryDeferredQueue queue = new InMemoryDeferredQueue(2, 10);
    queue.offer(request("a", 1));
    queue.offer(request("b", 1));
    claim(queue, "a", 1);
    claim(queue, "b", 1);

    // when
    boolean accepted = queue.offer(request("c", 2));

    // then
    assertThat(accepted).isFalse();
    assertThat(queue.find("c")).isEmpty();
  }
}
