package dev.sheepdog.policy.latency;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sheepdog.core.AllOpenPolicy;
import dev.sheepdog.core.CircuitBreakerConfig;
import dev.sheepdog.core.RetryConfig;
import dev.sheepdog.core.RoutedResponse;
import dev.sheepdog.core.Router;
import dev.sheepdog.core.RouterSettings;
import dev.sheepdog.spi.ChatRequest;
import dev.sheepdog.spi.FailureKind;
import dev.sheepdog.spi.ModelCatalog;
import dev.sheepdog.spi.ModelId;
import dev.sheepdog.spi.ModelSpec;
import dev.sheepdog.spi.RouteHints;
import dev.sheepdog.spi.RouterEvent;
import dev.sheepdog.testkit.ManualTicker;
import dev.sheepdog.testkit.Outcome;
import dev.sheepdog.testkit.ScriptedProvider;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@link PeakEwmaStrategy} driven through a real router on a manual clock: three models behind one
 * provider, requests arriving at seeded exponential gaps (a Poisson stream), each call completing
 * exactly its scripted latency after it started. Shares count plan heads (attempt 1), the model
 * the strategy chose, not the model that finally answered.
 */
class PeakEwmaSimulationTest {
  private static final long SEED = 20_260_101L;
  private static final Duration FAST = Duration.ofMillis(100);
  private static final Duration SLOW = Duration.ofMillis(500);
  // 50 requests a second at 100 ms: about 5 calls in flight across the three models
  private static final double MEAN_GAP_MILLIS = 20;

  private static final ChatRequest HELLO = ChatRequest.ofUser("Hello");
  private static final ModelId A = ModelId.of("a");
  private static final ModelId B = ModelId.of("b");
  private static final ModelId C = ModelId.of("c");

  @Test
  void a_model_five_times_slower_loses_its_share_and_wins_it_back_after_it_recovers() {
    // given: three equal models, warmed up with 1,000 requests
    Simulation sim = new Simulation(RouterSettings.defaults());
    sim.setLatency(C, FAST);
    sim.run(1_000);
    double warmShare = sim.run(1_000).share(C);
    // when: c slows to 500 ms
    sim.setLatency(C, SLOW);
    double slowShare = sim.run(1_000).share(C);
    // and then recovers
    sim.setLatency(C, FAST);
    Shares recovery = sim.run(2_000);
    // then
    int backAbove25 = recovery.firstWindowAbove(C, 200, 0.25);
    System.out.printf("peak-ewma: warm c=%.3f, slow c=%.3f, recovered c=%.3f over 2,000 (last 500: %.3f),"
        + " first 200-request window above 25%% ends at request %d%n",
        warmShare, slowShare, recovery.share(C), recovery.lastShare(C, 500), backAbove25);
    assertThat(warmShare).isBetween(0.25, 0.42);
    assertThat(slowShare).isLessThan(0.10);
    // its moving average learns only from calls to it, which it gets while a and b are busy, so
    // recovery is gradual rather than immediate
    assertThat(backAbove25).isPositive();
    assertThat(recovery.lastShare(C, 500)).isGreaterThan(0.25);
  }

  @Test
  void a_model_failing_fast_with_503_gets_almost_no_first_attempts_when_its_circuit_stays_closed() {
    // given: c fails at once with 503 on every call; no retries, and a circuit that never opens,
    // so only the failure penalty in the moving average keeps c from being chosen
    RouterSettings settings = new RouterSettings(Duration.ofSeconds(60), Duration.ofSeconds(60),
        RetryConfig.noRetries(),
        CircuitBreakerConfig.defaults().withConsecutiveFailures(1_000_000).withFailureRate(1.0, 20, 20),
        AllOpenPolicy.FAIL_FAST, Duration.ofSeconds(1));
    Simulation sim = new Simulation(settings);
    sim.setFailing(C);
    // when
    Shares shares = sim.run(5_000);
    // then: failing fast never looks fast, and every request is still answered by a or b
    System.out.printf("peak-ewma: fail-fast c first attempts=%.4f (circuit closed), failed requests=%d%n",
        shares.share(C), shares.failedRequests);
    assertThat(shares.share(C)).isLessThan(0.05);
    assertThat(shares.failedRequests).isZero();
  }

  @Test
  void a_model_failing_fast_with_503_gets_almost_no_first_attempts_with_default_circuits() {
    // given: the same outage with the default retry and circuit settings
    Simulation sim = new Simulation(RouterSettings.defaults());
    sim.setFailing(C);
    // when
    Shares shares = sim.run(5_000);
    // then
    System.out.printf("peak-ewma: fail-fast c first attempts=%.4f (default circuits), failed requests=%d%n",
        shares.share(C), shares.failedRequests);
    assertThat(shares.share(C)).isLessThan(0.05);
    assertThat(shares.failedRequests).isZero();
  }

  /** One router, one provider, one seeded clock of arrivals; runs continue where the last stopped. */
  private static final class Simulation {
    private final SplittableRandom arrivals = new SplittableRandom(SEED);
    private final SplittableRandom choices = new SplittableRandom(SEED + 1);
    private final ManualTicker ticker = new ManualTicker();
    private final ScriptedProvider provider = ScriptedProvider.create("p1", ticker);
    private final List<ModelId> firstAttempts = new ArrayList<>();
    private final Router router;

    Simulation(RouterSettings settings) {
      for (ModelId model : List.of(A, B, C)) {
        setLatency(model, FAST);
      }
      ModelCatalog catalog = ModelCatalog.of(spec(A), spec(B), spec(C));
      router = Router.builder().catalog(catalog).provider(provider).clock(ticker).settings(settings)
          .strategy(PeakEwmaStrategy.builder().random(() -> choices).build())
          .listener(event -> {
            if (event instanceof RouterEvent.AttemptStarted started && started.attempt() == 1) {
              firstAttempts.add(started.model());
            }
          })
          .build();
    }

    private static ModelSpec spec(ModelId id) {
      return ModelSpec.builder(id.value(), "p1").build();
    }

    void setLatency(ModelId model, Duration latency) {
      provider.model(model).thenAlways(Outcome.ok(latency));
    }

    void setFailing(ModelId model) {
      provider.model(model).thenAlways(Outcome.fail(FailureKind.UNAVAILABLE, 503));
    }

    /** Sends {@code requests} at seeded exponential gaps, then lets every call finish. */
    Shares run(int requests) {
      int from = firstAttempts.size();
      List<CompletableFuture<RoutedResponse>> answers = new ArrayList<>(requests);
      for (int i = 0; i < requests; i++) {
        long gapMicros = Math.round(-Math.log(1 - arrivals.nextDouble()) * MEAN_GAP_MILLIS * 1_000);
        // completions due within the gap run as time passes, each at its own due time
        ticker.advance(gapMicros, TimeUnit.MICROSECONDS);
        answers.add(router.route(HELLO, RouteHints.DEFAULT));
      }
      ticker.advance(Duration.ofSeconds(1));
      int failed = 0;
      for (CompletableFuture<RoutedResponse> answer : answers) {
        if (answer.isCompletedExceptionally() || !answer.isDone()) {
          failed++;
        }
      }
      return new Shares(List.copyOf(firstAttempts.subList(from, firstAttempts.size())), failed);
    }
  }

  private record Shares(List<ModelId> heads, int failedRequests) {
    double share(ModelId model) {
      return (double) heads.stream().filter(model::equals).count() / heads.size();
    }

    /** The request (1-based) ending the first {@code window} requests in which the share exceeds {@code share}; -1 if none. */
    int firstWindowAbove(ModelId model, int window, double share) {
      int inWindow = 0;
      for (int i = 0; i < heads.size(); i++) {
        if (heads.get(i).equals(model)) {
          inWindow++;
        }
        if (i >= window && heads.get(i - window).equals(model)) {
          inWindow--;
        }
        if (i >= window - 1 && inWindow > share * window) {
          return i + 1;
        }
      }
      return -1;
    }

    double lastShare(ModelId model, int last) {
      List<ModelId> tail = heads.subList(heads.size() - last, heads.size());
      return (double) tail.stream().filter(model::equals).count() / tail.size();
    }
  }
}
