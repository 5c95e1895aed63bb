package dev.sheepdog.core.deferred;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sheepdog.spi.ChatRequest;
import dev.sheepdog.spi.DeferredEntry;
import dev.sheepdog.spi.DeferredRequest;
import dev.sheepdog.spi.DeferredState;
import dev.sheepdog.spi.RouteHints;
import org.junit.jupiter.api.Test;

class InMemoryDeferredQueueTest {
  static DeferredRequest request(String id, long at) {
    return new DeferredRequest(id, "key-" + id, ChatRequest.ofUser("hello " + id), RouteHints.DEFAULT, at,
        "all models failed");
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
    queue.markDelivered("a");

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
    queue.markFailed("queued", "503 everywhere", 5_000);
    queue.markDelivered("delivered");
    queue.markFailed("dead", "timeout", 10);
    queue.markDeadLettered("dead", "timeout");

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
    queue.markDelivered("a");

    // when / then
    assertThatThrownBy(() -> queue.markDelivered("a")).hasMessageContaining("already DELIVERED");
    assertThatThrownBy(() -> queue.markFailed("missing", "x", 0)).hasMessageContaining("no queued deferred request");
    assertThatThrownBy(() -> queue.offer(request("a", 2))).hasMessageContaining("already in the queue");
  }

  @Test
  void oldestSettledEntriesAreForgottenBeyondRetention() {
    // given
    InMemoryDeferredQueue queue = new InMemoryDeferredQueue(10, 2);
    for (String id : new String[] {"a", "b", "c"}) {
      queue.offer(request(id, 1));
      queue.markDelivered(id);
    }

    // then
    assertThat(queue.find("a")).isEmpty();
    assertThat(queue.entries()).extracting(DeferredEntry::id).containsExactly("b", "c");
  }
}
