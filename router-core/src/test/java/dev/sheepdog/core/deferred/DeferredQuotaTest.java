package dev.sheepdog.core.deferred;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sheepdog.spi.ChatRequest;
import dev.sheepdog.spi.DeferredAnswer;
import dev.sheepdog.spi.DeferredEntry;
import dev.sheepdog.spi.DeferredQueue;
import dev.sheepdog.spi.DeferredRequest;
import dev.sheepdog.spi.DeferredState;
import dev.sheepdog.spi.RouteHints;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class DeferredQuotaTest {
  private final InMemoryDeferredQueue queue = new InMemoryDeferredQueue(10_000, 10_000);
  private final AtomicInteger ids = new AtomicInteger();

  private DeferredRequest from(String client, String text) {
    String id = "def-" + ids.incrementAndGet();
    RouteHints hints = client == null ? RouteHints.DEFAULT : RouteHints.builder().tag("team:x").tag("client:" + client)
        .build();
    return new DeferredRequest(id, id, ChatRequest.ofUser(text), hints, 1, "all models failed");
  }

  private DeferredRequest from(String client) {
    return from(client, "hello");
  }

  private static final DeferredAnswer ANSWER = InMemoryDeferredQueueTest.answer("ok");

  /** Claims {@code id} through {@code target} and returns the claim number to settle it with. */
  private static long claim(DeferredQueue target, String id) {
    return target.claim(id, 1, 60_001).orElseThrow().claim();
  }

  private DeferredQuota.Builder quota() {
    return DeferredQuota.builder(queue).owner(DeferredQuota.ownerByTag("client:"));
  }

  @Test
  void an_owner_at_its_count_cap_is_refused_while_another_is_accepted() {
    // given
    DeferredQuota quota = quota().maxQueuedPerOwner(2).build();
    quota.offer(from("a"));
    quota.offer(from("a"));
    // when
    Optional<String> third = quota.offerOrRefusal(from("a"));
    boolean other = quota.offer(from("b"));
    // then
    assertThat(third).hasValueSatisfying(why -> assertThat(why).contains("quota").contains("2 queued"));
    assertThat(other).isTrue();
    assertThat(quota.offer(from("a"))).isFalse();
    assertThat(quota.queuedOf("client:a")).isEqualTo(2);
    assertThat(quota.queuedOf("client:b")).isEqualTo(1);
    assertThat(queue.queued()).isEqualTo(3);
  }

  @Test
  void entries_another_instance_delivered_from_a_shared_queue_free_the_owner_when_it_reaches_its_cap() {
    // given: two instances' quotas over one queue; instance one's client is at its cap of 2
    DeferredQuota one = quota().maxQueuedPerOwner(2).build();
    DeferredQuota two = quota().maxQueuedPerOwner(2).build();
    DeferredRequest first = from("a");
    one.offer(first);
    one.offer(from("a"));
    // when instance two replays and delivers the first entry
    assertThat(two.markDelivered(first.id(), claim(two, first.id()), ANSWER)).isTrue();
    // then instance one frees it when the client next defers, and accepts
    assertThat(one.offerOrRefusal(from("a"))).isEmpty();
    assertThat(one.queuedOf("client:a")).isEqualTo(2);
    assertThat(one.offer(from("a"))).isFalse();
  }

  @Test
  void requests_without_an_owner_share_one_bucket() {
    // given
    DeferredQuota quota = quota().maxQueuedPerOwner(1).build();
    // when
    boolean first = quota.offer(from(null));
    boolean second = quota.offer(from(null));
    // then
    assertThat(first).isTrue();
    assertThat(second).isFalse();
    assertThat(quota.queuedOf(DeferredQuota.NO_OWNER)).isEqualTo(1);
  }

  @Test
  void an_owner_at_its_byte_cap_is_refused_while_another_is_accepted() {
    // given: each request holds about 2 × 1,000 bytes of text
    String text = "x".repeat(1_000);
    long size = DeferredQuota.approximateBytes(from("a", text));
    DeferredQuota quota = quota().maxBytesPerOwner(size * 2 + size / 2).build();
    // when
    boolean first = quota.offer(from("a", text));
    boolean second = quota.offer(from("a", text));
    Optional<String> third = quota.offerOrRefusal(from("a", text));
    boolean other = quota.offer(from("b", text));
    // then
    assertThat(first).isTrue();
    assertThat(second).isTrue();
    assertThat(third).hasValueSatisfying(why -> assertThat(why).contains("quota").contains("bytes"));
    assertThat(other).isTrue();
    assertThat(quota.bytesOf("client:a")).isEqualTo(2 * size);
    assertThat(quota.offer(from("a", "short"))).as("a small one still fits").isTrue();
  }

  @Test
  void a_request_larger_than_the_byte_cap_is_refused_even_for_an_empty_owner() {
    // given
    DeferredQuota quota = quota().maxBytesPerOwner(1_000).build();
    // when
    Optional<String> refusal = quota.offerOrRefusal(from("a", "x".repeat(1_000)));
    // then
    assertThat(refusal).hasValueSatisfying(why -> assertThat(why).contains("larger"));
    assertThat(queue.queued()).isZero();
  }

  @Test
  void delivered_and_dead_lettered_entries_free_their_quota_and_failed_replays_do_not() {
    // given
    DeferredQuota quota = quota().maxQueuedPerOwner(2).build();
    DeferredRequest first = from("a");
    DeferredRequest second = from("a");
    quota.offer(first);
    quota.offer(second);
    // when / then
    quota.markFailed(first.id(), claim(quota, first.id()), "still down", 5);
    assertThat(quota.offer(from("a"))).as("a failed replay stays queued").isFalse();
    long replaying = claim(quota, second.id());
    assertThat(quota.offer(from("a"))).as("an entry being replayed stays counted").isFalse();
    quota.markDelivered(first.id(), claim(quota, first.id()), ANSWER);
    DeferredRequest third = from("a");
    assertThat(quota.offer(third)).isTrue();
    assertThat(quota.offer(from("a"))).isFalse();
    quota.markDeadLettered(second.id(), replaying, "gave up");
    assertThat(quota.offer(from("a"))).isTrue();
    assertThat(quota.queuedOf("client:a")).isEqualTo(2);
  }

  @Test
  void a_mark_the_delegate_rejects_leaves_the_quota_as_it_was() {
    // given
    DeferredQuota quota = quota().maxQueuedPerOwner(1).build();
    DeferredRequest first = from("a");
    quota.offer(first);
    long claim = claim(quota, first.id());
    quota.markDelivered(first.id(), claim, ANSWER);
    DeferredRequest second = from("a");
    quota.offer(second);
    long stale = claim(quota, second.id()) - 1;
    // when
    boolean again = quota.markDelivered(first.id(), claim, ANSWER);
    boolean staleDead = quota.markDeadLettered(second.id(), stale, "stale");
    // then
    assertThat(again).isFalse();
    assertThat(staleDead).isFalse();
    assertThat(quota.queuedOf("client:a")).isEqualTo(1);
    assertThat(quota.offer(from("a"))).isFalse();
  }

  @Test
  void a_refusal_of_the_delegate_gives_the_reservation_back() {
    // given: the shared queue has room for one entry only
    DeferredQuota quota = DeferredQuota.builder(new InMemoryDeferredQueue(1, 10))
        .owner(DeferredQuota.ownerByTag("client:")).maxQueuedPerOwner(5).build();
    quota.offer(from("b"));
    // when
    Optional<String> refusal = quota.offerOrRefusal(from("a"));
    // then
    assertThat(refusal).contains("the deferred queue is full");
    assertThat(quota.queuedOf("client:a")).isZero();
  }

  @Test
  void entries_already_queued_in_the_delegate_count_from_the_start() {
    // given: two unsettled entries, one of them being replayed, and a delivered one
    queue.offer(from("a"));
    DeferredRequest replaying = from("a");
    queue.offer(replaying);
    claim(queue, replaying.id());
    DeferredRequest delivered = from("a");
    queue.offer(delivered);
    queue.markDelivered(delivered.id(), claim(queue, delivered.id()), ANSWER);
    // when
    DeferredQuota quota = quota().maxQueuedPerOwner(2).build();
    // then
    assertThat(quota.queuedOf("client:a")).isEqualTo(2);
    assertThat(quota.offer(from("a"))).isFalse();
  }

  @Test
  void other_methods_are_delegated_unchanged() {
    // given
    DeferredQuota quota = quota().maxQueuedPerOwner(5).build();
    DeferredRequest request = from("a");
    quota.offer(request);
    // then
    assertThat(quota.queued()).isEqualTo(1);
    assertThat(quota.find(request.id())).map(DeferredEntry::state).contains(DeferredState.QUEUED);
    assertThat(quota.due(10, 10)).extracting(DeferredEntry::id).containsExactly(request.id());
    assertThat(quota.entries()).isEqualTo(queue.entries());
  }

  @Test
  void an_offer_still_on_its_way_to_the_delegate_is_not_taken_for_one_settled_elsewhere() throws Exception {
    // given: the delegate holds the first offer of client a until released; the cap is 1
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger offers = new AtomicInteger();
    DeferredQueue slow = new ForwardingDeferredQueue(queue) {
      @Override
      public boolean offer(DeferredRequest request) {
        if (offers.incrementAndGet() == 1) {
          entered.countDown();
          try {
            release.await(10, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
        return super.offer(request);
      }
    };
    DeferredQuota quota = DeferredQuota.builder(slow).owner(DeferredQuota.ownerByTag("client:"))
        .maxQueuedPerOwner(1).build();
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try {
      Future<Boolean> first = pool.submit(() -> quota.offer(from("a")));
      assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();
      // when a second offer of the same client arrives while the first is in the delegate
      boolean second = quota.offer(from("a"));
      release.countDown();
      // then the second is refused: the first's reservation was not freed as settled elsewhere
      assertThat(second).isFalse();
      assertThat(first.get(10, TimeUnit.SECONDS)).isTrue();
      assertThat(queue.queued()).isEqualTo(1);
      assertThat(quota.queuedOf("client:a")).isEqualTo(1);
    } finally {
      release.countDown();
      pool.shutdownNow();
    }
  }

  @Test
  void concurrent_offers_never_exceed_the_cap() throws Exception {
    // given: 8 threads offer 200 requests of one client against a cap of 10; half the offers of
    // another client are refused by the delegate, so reservations are given back meanwhile
    DeferredQueue flaky = new RefusingEveryOtherOffer(queue);
    DeferredQuota quota = DeferredQuota.builder(flaky).owner(DeferredQuota.ownerByTag("client:"))
        .maxQueuedPerOwner(10).build();
    ExecutorService pool = Executors.newFixedThreadPool(8);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<Integer>> accepted = new ArrayList<>();
    try {
      for (int t = 0; t < 8; t++) {
        String client = t % 2 == 0 ? "a" : "b";
        accepted.add(pool.submit(() -> {
          start.await();
          int mine = 0;
          for (int i = 0; i < 25; i++) {
            if (quota.offer(from(client))) {
              mine++;
            }
          }
          return mine;
        }));
      }
      // when
      start.countDown();
      int total = 0;
      for (Future<Integer> f : accepted) {
        total += f.get(30, TimeUnit.SECONDS);
      }
      // then
      Map<String, Integer> inDelegate = new HashMap<>();
      for (DeferredEntry entry : queue.entries()) {
        inDelegate.merge(DeferredQuota.ownerByTag("client:").apply(entry.request()), 1, Integer::sum);
      }
      assertThat(inDelegate.get("client:a")).isEqualTo(10);
      assertThat(inDelegate.get("client:b")).isBetween(1, 10);
      assertThat(quota.queuedOf("client:a")).isEqualTo(10);
      assertThat(quota.queuedOf("client:b")).isEqualTo(inDelegate.get("client:b"));
      assertThat(total).isEqualTo(queue.queued());
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void the_size_estimate_counts_text_and_pass_through_values_and_stays_bounded() {
    // given
    DeferredRequest small = from("a", "hi");
    DeferredRequest bigText = from("a", "x".repeat(10_000));
    Map<String, Object> cyclic = new HashMap<>();
    cyclic.put("self", cyclic);
    DeferredRequest withCycle = new DeferredRequest("c", "c", ChatRequest.builder().user("hi")
        .extension("metadata", cyclic).build(), RouteHints.DEFAULT, 1, "");
    Number literal = new Number() {
      @Override
      public int intValue() {
        return 1;
      }

      @Override
      public long longValue() {
        return 1;
      }

      @Override
      public float floatValue() {
        return 1;
      }

      @Override
      public double doubleValue() {
        return 1;
      }

      @Override
      public String toString() {
        return "1".repeat(50_000);
      }
    };
    DeferredRequest withLiteral = new DeferredRequest("l", "l", ChatRequest.builder().user("hi")
        .extension("seed", literal).extension("stop", List.of("a", "b")).build(), RouteHints.DEFAULT, 1, "");
    // when / then
    assertThat(DeferredQuota.approximateBytes(bigText) - DeferredQuota.approximateBytes(small))
        .isEqualTo(2L * (10_000 - 2));
    assertThat(DeferredQuota.approximateBytes(withCycle)).isEqualTo(Long.MAX_VALUE);
    assertThat(DeferredQuota.approximateBytes(withLiteral)).isGreaterThanOrEqualTo(100_000);
  }

  @Test
  void the_size_estimate_counts_the_hints_attributes_kept_with_the_request() {
    // given: the same request, once with a 2,000-character callback URL kept in its hints
    String url = "https://client.example/callback?" + "x".repeat(2_000 - 32);
    DeferredRequest plain = new DeferredRequest("p", "p", ChatRequest.ofUser("hi"), RouteHints.DEFAULT, 1, "");
    DeferredRequest withCallback = new DeferredRequest("p", "p", ChatRequest.ofUser("hi"),
        RouteHints.builder().attribute("callback_url", url).build(), 1, "");
    // when
    long difference = DeferredQuota.approximateBytes(withCallback) - DeferredQuota.approximateBytes(plain);
    // then
    assertThat(difference).isGreaterThanOrEqualTo(2L * (url.length() + "callback_url".length()));
  }

  @Test
  void the_builder_names_what_is_wrong() {
    assertThatThrownBy(() -> DeferredQuota.builder(queue).build()).hasMessageContaining("maxQueuedPerOwner");
    assertThatThrownBy(() -> DeferredQuota.builder(queue).maxQueuedPerOwner(1).maxQueuedPerOwner(2))
        .hasMessageContaining("maxQueuedPerOwner is given twice");
    assertThatThrownBy(() -> DeferredQuota.builder(queue).maxBytesPerOwner(0)).hasMessageContaining("positive");
  }

  /** A delegate that refuses every other offer of client b. */
  private static final class RefusingEveryOtherOffer extends ForwardingDeferredQueue {
    private final AtomicInteger offers = new AtomicInteger();

    RefusingEveryOtherOffer(DeferredQueue delegate) {
      super(delegate);
    }

    @Override
    public boolean offer(DeferredRequest request) {
      if (request.hints().tags().contains("client:b") && offers.incrementAndGet() % 2 == 0) {
        return false;
      }
      return super.offer(request);
    }
  }
}
