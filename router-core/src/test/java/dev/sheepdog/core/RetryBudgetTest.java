package dev.sheepdog.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sheepdog.spi.Ticker;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RetryBudgetTest {
  /** A clock set by hand; like {@code System.nanoTime()} it may read below zero. */
  private final AtomicLong now = new AtomicLong();
  private final Ticker ticker = new Ticker() {
    @Override
    public long nanoTime() {
      return now.get();
    }

    @Override
    public long epochMillis() {
      return 0;
    }
  };

  @Test
  void a_retry_taken_just_before_zero_leaves_the_window_when_its_slot_does() {
    // given: a 10 s window in slots of 1 s that allows one retry; the retry is taken at -0.5 s
    now.set(Duration.ofMillis(-500).toNanos());
    RetryBudget budget = new RetryBudget(ticker, 0.0, 1, Duration.ofSeconds(10));
    assertThat(budget.tryRetry()).isTrue();
    assertThat(budget.tryRetry()).isFalse();
    // when: its slot, [-1 s, 0 s), is more than the window behind
    now.set(Duration.ofMillis(9_500).toNanos());
    // then
    assertThat(budget.tryRetry()).isTrue();
  }
}
