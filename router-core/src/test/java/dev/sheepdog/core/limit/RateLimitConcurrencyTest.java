package dev.sheepdog.core.limit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sheepdog.spi.ModelId;
import dev.sheepdog.spi.RateLimits;
import dev.sheepdog.testkit.ManualTicker;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Eight threads race for admissions while time stands still; between rounds a coordinating thread
 * moves the clock. Every admission is recorded with the instant it was admitted at, and every
 * 60-second window is then checked against the limit.
 */
class RateLimitConcurrencyTest {
  private static final int THREADS = 8;
  private static final long WINDOW = TimeUnit.MINUTES.toNanos(1);

  private final ExecutorService pool = Executors.newFixedThreadPool(THREADS);
  private final ManualTicker ticker = new ManualTicker();
  private final Random random = new Random(42);

  @AfterEach
  void stopPool() {
    pool.shutdownNow();
  }

  @Test
  void requestsPerMinuteHoldInEverySlidingWindow() throws Exception {
    // given 100 rpm, burst 10
    ModelRateLimiter limiter =
        new ModelRateLimiter(ModelId.of("m"), RateLimits.of(100, 0), BurstPolicy.DEFAULT, ticker);

    // when
    List<Admitted> admitted = race(limiter, () -> 0L, 800, 400);

    // then
    assertThat(maxInAnyWindow(admitted, a -> 1)).isLessThanOrEqualTo(100).isGreaterThanOrEqualTo(95);
    // demand is far above supply, so the sustained 91 a minute is reached: no slot is lost to races
    double minutes = ticker.elapsed().toMillis() / 60_000.0;
    assertThat(admitted.size()).isGreaterThanOrEqualTo((int) (91 * minutes));
  }

  @Test
  void tokensPerMinuteHoldInEverySlidingWindow() throws Exception {
    // given 20,000 tpm with the default 2,000-token burst, and reservations of 1 to 2,500 tokens
    ModelRateLimiter limiter =
        new ModelRateLimiter(ModelId.of("m"), RateLimits.of(0, 20_000), BurstPolicy.DEFAULT, ticker);
    ThreadLocal<Random> sizes = ThreadLocal.withInitial(() -> new Random(Thread.currentThread().getId()));

    // when
    List<Admitted> admitted = race(limiter, () -> 1L + sizes.get().nextInt(2_500), 800, 400);

    // then
    assertThat(maxInAnyWindow(admitted, Admitted::tokens)).isLessThanOrEqualTo(20_000).isGreaterThan(15_000);
  }

  @Test
  void bothLimitsHoldTogether() throws Exception {
    // given 60 rpm and 6,000 tpm: each limit can be the one that binds
    ModelRateLimiter limiter =
        new ModelRateLimiter(ModelId.of("m"), RateLimits.of(60, 6_000), BurstPolicy.ofFraction(0.25), ticker);
    ThreadLocal<Random> sizes = ThreadLocal.withInitial(() -> new Random(Thread.currentThread().getId()));

    // when
    List<Admitted> admitted = race(limiter, () -> (long) sizes.get().nextInt(300), 800, 400);

    // then
    assertThat(maxInAnyWindow(admitted, a -> 1)).isLessThanOrEqualTo(60);
    assertThat(maxInAnyWindow(admitted, Admitted::tokens)).isLessThanOrEqualTo(6_000);
  }

  private List<Admitted> race(ModelRateLimiter limiter, TokenSource tokens, int rounds, int maxStepMillis)
      throws Exception {
    ConcurrentLinkedQueue<Admitted> admitted = new ConcurrentLinkedQueue<>();
    for (int round = 0; round < rounds; round++) {
      long now = ticker.nanoTime();
      CountDownLatch start = new CountDownLatch(1);
      List<Future<?>> workers = new ArrayList<>();
      for (int t = 0; t < THREADS; t++) {
        workers.add(pool.submit(() -> {
          start.await();
          for (int i = 0; i < 20; i++) {
            long estimate = tokens.next();
            if (limiter.tryAcquire(estimate).admitted()) {
              admitted.add(new Admitted(now, estimate));
            }
          }
          return null;
        }));
      }
      start.countDown();
      for (Future<?> w : workers) {
        w.get(10, TimeUnit.SECONDS);
      }
      ticker.advance(random.nextInt(maxStepMillis + 1), TimeUnit.MILLISECONDS);
    }
    List<Admitted> sorted = new ArrayList<>(admitted);
    sorted.sort(Comparator.comparingLong(Admitted::atNanos));
    return sorted;
  }

  /** The largest sum in any window [s, s + 60 s); checking windows that start at an admission suffices. */
  private static long maxInAnyWindow(List<Admitted> sorted, Weight weight) {
    long max = 0;
    long sum = 0;
    int end = 0;
    for (int start = 0; start < sorted.size(); start++) {
      while (end < sorted.size() && sorted.get(end).atNanos() < sorted.get(start).atNanos() + WINDOW) {
        sum += weight.of(sorted.get(end));
        end++;
      }
      max = Math.max(max, sum);
      sum -= weight.of(sorted.get(start));
    }
    return max;
  }

  private record Admitted(long atNanos, long tokens) {}

  @FunctionalInterface
  private interface TokenSource {
    long next();
  }

  @FunctionalInterface
  private interface Weight {
    long of(Admitted a);
  }
}
