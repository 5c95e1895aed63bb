package dev.sheepdog.adapter.openai.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.util.Pool;
import org.junit.jupiter.api.Test;

/** The pool keeps the answers of Jetty's own pool, without walking its entries to acquire one. */
class IdleQueuePoolTest {
  @Test
  void entries_are_reserved_up_to_the_maximum_enabled_acquired_released_and_removed() {
    // given
    IdleQueuePool<String> pool = new IdleQueuePool<>(2, value -> 1);
    // when
    Pool.Entry<String> first = pool.reserve();
    Pool.Entry<String> second = pool.reserve();
    Pool.Entry<String> third = pool.reserve();
    // then
    assertThat(third).as("past the maximum").isNull();
    assertThat(first.isReserved()).isTrue();
    assertThat(pool.acquire()).as("reserved entries are not acquirable").isNull();
    assertThat(first.enable("a", true)).isTrue();
    assertThat(first.isInUse()).isTrue();
    assertThat(second.enable("b", false)).isTrue();
    assertThat(pool.acquire()).isSameAs(second);
    assertThat(pool.acquire()).as("both in use").isNull();
    assertThat(first.release()).isTrue();
    assertThat(pool.acquire()).isSameAs(first);
    assertThat(second.release()).isTrue();
    assertThat(second.release()).as("released twice").isFalse();
    assertThat(second.remove()).isTrue();
    assertThat(pool.size()).isEqualTo(1);
    assertThat(pool.acquire()).as("a removed entry is never handed out").isNull();
    assertThat(first.remove()).as("removed while in use: closed on its release").isTrue();
    assertThat(pool.size()).isZero();
  }

  @Test
  void an_entry_in_use_being_removed_says_so_and_release_then_fails() {
    // given: multiplexed twice, in use twice
    IdleQueuePool<String> pool = new IdleQueuePool<>(1, value -> 2);
    Pool.Entry<String> entry = pool.reserve();
    entry.enable("a", true);
    assertThat(pool.acquire()).isSameAs(entry);
    // when
    boolean removed = entry.remove();
    // then
    assertThat(removed).as("one use left").isFalse();
    assertThat(entry.isTerminated()).isTrue();
    assertThat(entry.release()).isFalse();
    assertThat(entry.remove()).isTrue();
    assertThat(pool.size()).isZero();
  }

  @Test
  void a_multiplexed_entry_is_acquired_up_to_its_multiplex() {
    // given
    IdleQueuePool<String> pool = new IdleQueuePool<>(1, value -> 3);
    pool.reserve().enable("h2", false);
    // when
    List<Pool.Entry<String>> acquired = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      acquired.add(pool.acquire());
    }
    // then
    assertThat(acquired.subList(0, 3)).doesNotContainNull().allMatch(entry -> entry == acquired.get(0));
    assertThat(acquired.get(3)).isNull();
    acquired.get(0).release();
    assertThat(pool.acquire()).isSameAs(acquired.get(0));
  }

  @Test
  void terminating_hands_back_every_entry_and_refuses_new_ones() {
    // given
    IdleQueuePool<String> pool = new IdleQueuePool<>(3, value -> 1);
    pool.reserve().enable("a", false);
    pool.reserve().enable("b", true);
    // when
    var entries = pool.terminate();
    // then
    assertThat(entries).hasSize(2).allMatch(Pool.Entry::isTerminated);
    assertThat(pool.reserve()).isNull();
    assertThat(pool.acquire()).isNull();
    assertThat(pool.isTerminated()).isTrue();
  }

  @Test
  void under_contention_no_entry_is_ever_used_twice_at_once_and_none_is_lost() throws Exception {
    // given: 64 connections, 8 threads acquiring and releasing 20,000 times each
    IdleQueuePool<AtomicInteger> pool = new IdleQueuePool<>(64, value -> 1);
    for (int i = 0; i < 64; i++) {
      pool.reserve().enable(new AtomicInteger(), false);
    }
    AtomicInteger overlaps = new AtomicInteger();
    ExecutorService threads = Executors.newFixedThreadPool(8);
    CountDownLatch done = new CountDownLatch(8);
    // when
    for (int t = 0; t < 8; t++) {
      threads.execute(() -> {
        for (int i = 0; i < 20_000; i++) {
          Pool.Entry<AtomicInteger> entry = pool.acquire();
          if (entry == null) {
            continue;
          }
          if (entry.getPooled().incrementAndGet() != 1) {
            overlaps.incrementAndGet();
          }
          entry.getPooled().decrementAndGet();
          entry.release();
        }
        done.countDown();
      });
    }
    assertThat(done.await(60, TimeUnit.SECONDS)).isTrue();
    threads.shutdown();
    // then
    assertThat(overlaps).hasValue(0);
    List<Pool.Entry<AtomicInteger>> all = new ArrayList<>();
    Pool.Entry<AtomicInteger> entry;
    while ((entry = pool.acquire()) != null) {
      all.add(entry);
    }
    assertThat(all).as("every entry is acquirable again").hasSize(64);
  }
}
