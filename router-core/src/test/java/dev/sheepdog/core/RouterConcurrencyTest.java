package dev.sheepdog.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sheepdog.spi.ChatRequest;
import dev.sheepdog.spi.CircuitState;
import dev.sheepdog.spi.FailureKind;
import dev.sheepdog.spi.RouteHints;
import dev.sheepdog.spi.RouterEvent;
import dev.sheepdog.testkit.Outcome;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Many threads through one router. Outcomes have no latency, so each request completes on the
 * thread that routed it; time moves only between phases, with every thread parked at a barrier.
 */
class RouterConcurrencyTest {
  private static final int THREADS = 8;
  private static final int REQUESTS_PER_THREAD = 10_000;
  private static final int PHASES = 10;
  private static final Set<String> LEGAL = Set.of("CLOSED->OPEN", "OPEN->HALF_OPEN", "HALF_OPEN->CLOSED",
      "HALF_OPEN->OPEN");

  private final RouterFixture world = new RouterFixture();
  private final ChatRequest hello = ChatRequest.ofUser("Hello");

  /** A seeded mix of answers and 503s; each calling thread draws from its own generator. */
  private static Supplier<Outcome> flaky(long seed, double failureRate) {
    AtomicLong seeds = new AtomicLong(seed);
    ThreadLocal<SplittableRandom> random = ThreadLocal.withInitial(() -> new SplittableRandom(seeds.getAndIncrement()));
    Outcome ok = Outcome.ok();
    Outcome down = Outcome.fail(FailureKind.UNAVAILABLE, 503);
    return () -> random.get().nextDouble() < failureRate ? down : ok;
  }

  private static RouterSettings noRetries() {
    RouterSettings d = RouterSettings.defaults();
    return new RouterSettings(d.deadline(), d.attemptTimeout(), RetryConfig.noRetries(), d.circuit(),
        d.allOpenPolicy(), d.defaultRetryAfter());
  }

  @Test
  void under_contention_every_request_and_every_call_is_accounted_for_exactly_once() throws Exception {
    // given
    world.p1.model("a").thenFrom(flaky(1, 0.3));
    world.p1.model("b").thenFrom(flaky(2, 0.2));
    world.p1.model("c").thenFrom(flaky(3, 0.1));
    // Only transitions are kept: recording every event in a copy-on-write list would dominate the run.
    List<RouterEvent.CircuitTransition> transitions = new CopyOnWriteArrayList<>();
    Router router = Router.builder().catalog(RouterFixture.CATALOG).provider(world.p1).provider(world.p2)
        .strategy(RouterFixture.TABLE).clock(world.ticker).settings(noRetries())
        .listener(e -> {
          if (e instanceof RouterEvent.CircuitTransition t) {
            transitions.add(t);
          }
        })
        .build();
    AtomicLong succeeded = new AtomicLong();
    AtomicLong failed = new AtomicLong();
    AtomicLong attemptsInTrails = new AtomicLong();
    CyclicBarrier phaseEnd = new CyclicBarrier(THREADS, () -> world.ticker.advance(Duration.ofMinutes(11)));
    ExecutorService pool = Executors.newFixedThreadPool(THREADS);
    // when
    List<Future<?>> workers = new ArrayList<>();
    for (int t = 0; t < THREADS; t++) {
      workers.add(pool.submit(() -> {
        for (int phase = 0; phase < PHASES; phase++) {
          for (int i = 0; i < REQUESTS_PER_THREAD / PHASES; i++) {
            CompletableFuture<RoutedResponse> answer = router.route(hello, RouteHints.DEFAULT);
            assertThat(answer).isDone();
            try {
              attemptsInTrails.addAndGet(answer.join().attempts().size());
              succeeded.incrementAndGet();
            } catch (CompletionException e) {
              attemptsInTrails.addAndGet(((RoutingException) e.getCause()).attempts().size());
              failed.incrementAndGet();
            }
          }
          phaseEnd.await(60, TimeUnit.SECONDS);
        }
        return null;
      }));
    }
    for (Future<?> worker : workers) {
      worker.get(100, TimeUnit.SECONDS);
    }
    pool.shutdown();
    // then
    assertThat(succeeded.get() + failed.get()).isEqualTo((long) THREADS * REQUESTS_PER_THREAD);
    assertThat(succeeded.get()).isPositive();
    assertThat((long) world.p1.calls().size()).isEqualTo(attemptsInTrails.get());
    for (HealthReport.ModelReport model : router.healthReport().models()) {
      assertThat(model.calls()).as(model.model().value())
          .isEqualTo(model.successes() + model.failures())
          .isEqualTo(world.p1.callCount(model.model().value()) + world.p2.callCount(model.model().value()));
      assertThat(model.inFlight()).isZero();
    }
    assertThat(transitions).isNotEmpty();
    assertThat(transitions).allSatisfy(t -> assertThat(t.from() + "->" + t.to()).isIn(LEGAL));
  }

  @Test
  void a_half_open_circuit_admits_exactly_its_probes_however_many_threads_ask() throws Exception {
    // given: a opens, its recovery passes, and both probes hang so they stay in flight
    world.p1.model("a").times(3, Outcome.fail(FailureKind.UNAVAILABLE, 503)).thenAlways(Outcome.hang());
    RouterSettings d = noRetries();
    Router router = world.router(new RouterSettings(d.deadline(), d.attemptTimeout(), d.retry(),
        d.circuit().withHalfOpenProbes(2), d.allOpenPolicy(), d.defaultRetryAfter()));
    for (int i = 0; i < 3; i++) {
      router.route(hello, RouteHints.DEFAULT).join();
    }
    world.ticker.advance(Duration.ofSeconds(60));
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(THREADS);
    // when
    List<Future<?>> workers = new ArrayList<>();
    for (int t = 0; t < THREADS; t++) {
      workers.add(pool.submit(() -> {
        start.await();
        for (int i = 0; i < 500; i++) {
          router.route(hello, RouteHints.DEFAULT);
        }
        return null;
      }));
    }
    start.countDown();
    for (Future<?> worker : workers) {
      worker.get(100, TimeUnit.SECONDS);
    }
    pool.shutdown();
    // then
    assertThat(world.p1.callCount("a")).isEqualTo(3 + 2);
    assertThat(world.p1.callCount("b")).isEqualTo(3 + THREADS * 500 - 2);
    assertThat(router.healthReport().model("a").orElseThrow().state()).isEqualTo(CircuitState.HALF_OPEN);
    assertThat(router.healthReport().model("a").orElseThrow().inFlight()).isEqualTo(2);
  }
}
