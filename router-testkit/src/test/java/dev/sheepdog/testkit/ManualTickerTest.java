package dev.sheepdog.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sheepdog.spi.Scheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ManualTickerTest {
  private final ManualTicker ticker = new ManualTicker();

  @Test
  void runs_due_tasks_in_time_order_at_their_due_time() {
    // given
    List<String> ran = new ArrayList<>();
    ticker.schedule(() -> ran.add("b@" + ticker.elapsed().toMillis()), 200, TimeUnit.MILLISECONDS);
    ticker.schedule(() -> ran.add("a@" + ticker.elapsed().toMillis()), 100, TimeUnit.MILLISECONDS);
    ticker.schedule(() -> ran.add("c"), 5, TimeUnit.SECONDS);
    // when
    ticker.advance(Duration.ofMillis(250));
    // then
    assertThat(ran).containsExactly("a@100", "b@200");
    assertThat(ticker.elapsed()).isEqualTo(Duration.ofMillis(250));
    assertThat(ticker.pendingDelays()).containsExactly(Duration.ofMillis(4750));
  }

  @Test
  void runs_tasks_scheduled_by_tasks_within_the_same_advance() {
    // given
    List<Long> ran = new ArrayList<>();
    ticker.schedule(() -> {
      ran.add(ticker.elapsed().toMillis());
      ticker.schedule(() -> ran.add(ticker.elapsed().toMillis()), 10, TimeUnit.MILLISECONDS);
    }, 10, TimeUnit.MILLISECONDS);
    // when
    ticker.advance(Duration.ofMillis(30));
    // then
    assertThat(ran).containsExactly(10L, 20L);
  }

  @Test
  void cancelled_tasks_do_not_run() {
    // given
    List<String> ran = new ArrayList<>();
    Scheduler.Cancellable task = ticker.schedule(() -> ran.add("x"), 1, TimeUnit.SECONDS);
    // when
    boolean cancelled = task.cancel();
    ticker.advance(Duration.ofSeconds(2));
    // then
    assertThat(cancelled).isTrue();
    assertThat(ran).isEmpty();
    assertThat(task.cancel()).isFalse();
  }

  @Test
  void wall_clock_moves_with_the_ticker() {
    long start = ticker.epochMillis();
    ticker.advance(Duration.ofMinutes(1));
    assertThat(ticker.epochMillis() - start).isEqualTo(60_000);
  }
}
