package dev.sheepdog.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sheepdog.spi.ChatRequest;
import dev.sheepdog.spi.FailureKind;
import dev.sheepdog.spi.ModelCatalog;
import dev.sheepdog.spi.ModelSpec;
import dev.sheepdog.spi.Priority;
import dev.sheepdog.spi.RouteHints;
import dev.sheepdog.spi.RouterEvent;
import dev.sheepdog.spi.TaskType;
import dev.sheepdog.testkit.ManualTicker;
import dev.sheepdog.testkit.Outcome;
import dev.sheepdog.testkit.ScriptedProvider;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class HedgingTest {
  private final ChatRequest hello = ChatRequest.ofUser("Hello");

  @Test
  void a_slow_primary_is_raced_by_the_next_model_and_the_first_answer_wins() {
    // given: a answers in 5 s, b in 100 ms; hedge after 200 ms
    ManualTicker ticker = new ManualTicker();
    ScriptedProvider p = ScriptedProvider.create("p", ticker);
    p.model("a").then(Outcome.ok("slow").after(Duration.ofSeconds(5)));
    p.model("b").then(Outcome.ok("fast").after(Duration.ofMillis(100)));
    Router router = twoModels(ticker, p, HedgingConfig.after(Duration.ofMillis(200)).withBudget(1.0, 10,
        Duration.ofSeconds(10)), new ArrayList<>());
    // when
    CompletableFuture<RoutedResponse> answer = router.route(hello, RouteHints.DEFAULT);
    ticker.advance(Duration.ofMillis(299));
    assertThat(answer).isNotDone();
    ticker.advance(Duration.ofMillis(1));
    // then
    assertThat(answer.join().content()).isEqualTo("fast");
    assertThat(answer.join().latency()).isEqualTo(Duration.ofMillis(300));
    assertThat(p.calls()).hasSize(2);
    assertThat(p.calls().get(0).wasCancelled()).as("the slow call is cancelled").isTrue();
  }

  @Test
  void when_the_hedge_fails_the_primary_can_still_answer() {
    // given
    ManualTicker ticker = new ManualTicker();
    ScriptedProvider p = ScriptedProvider.create("p", ticker);
    p.model("a").then(Outcome.ok("primary").after(Duration.ofMillis(500)));
    p.model("b").then(Outcome.fail(FailureKind.UNAVAILABLE).after(Duration.ofMillis(50)));
    Router router = twoModels(ticker, p, HedgingConfig.after(Duration.ofMillis(100)).withBudget(1.0, 10,
        Duration.ofSeconds(10)), new ArrayList<>());
    // when
    CompletableFuture<RoutedResponse> answer = router.route(hello, RouteHints.DEFAULT);
    ticker.advance(Duration.ofMillis(500));
    // then
    assertThat(answer.join().content()).isEqualTo("primary");
    assertThat(answer.join().attempts()).extracting(a -> a.model().value()).containsExactly("b", "a");
  }

  @Test
  void a_hedges_context_too_long_does_not_cancel_the_larger_model_still_running() {
    // given: big (128k) answers in 1 s; the hedge goes to small (32k), which finds the prompt too long
    ManualTicker ticker = new ManualTicker();
    ScriptedProvider p = ScriptedProvider.create("p", ticker);
    p.model("big").then(Outcome.ok("from big").after(Duration.ofSeconds(1)));
    p.model("small").then(Outcome.fail(FailureKind.CONTEXT_TOO_LONG, 400).after(Duration.ofMillis(50)));
    Router router = Router.builder()
        .catalog(ModelCatalog.of(ModelSpec.builder("big", "p").contextWindow(128_000).build(),
            ModelSpec.builder("small", "p").contextWindow(32_000).build()))
        .provider(p).clock(ticker)
        .strategy(RouteTableStrategy.builder().route(TaskType.GENERAL, Priority.NORMAL, "big", "small").build())
        .hedging(HedgingConfig.after(Duration.ofMillis(100)).withBudget(1.0, 10, Duration.ofSeconds(10)))
        .build();
    // when
    CompletableFuture<RoutedResponse> answer = router.route(hello, RouteHints.DEFAULT);
    ticker.advance(Duration.ofSeconds(1));
    // then
    assertThat(answer.join().content()).isEqualTo("from big");
    assertThat(p.calls().get(0).wasCancelled()).isFalse();
  }

  @Test
  void the_hedge_loser_gets_an_attempt_failed_event() {
    // given: a answers in 5 s, b in 100 ms; hedge after 200 ms
    ManualTicker ticker = new ManualTicker();
    ScriptedProvider p = ScriptedProvider.create("p", ticker);
    p.model("a").then(Outcome.ok("slow").after(Duration.ofSeconds(5)));
    p.model("b").then(Outcome.ok("fast").after(Duration.ofMillis(100)));
    List<RouterEvent> events = new ArrayList<>();
    Router router = twoModels(ticker, p, HedgingConfig.after(Duration.ofMillis(200)).withBudget(1.0, 10,
        Duration.ofSeconds(10)), events);
    // when
    CompletableFuture<RoutedResponse> answer = router.route(hello, RouteHints.DEFAULT);
    ticker.advance(Duration.ofMillis(300));
    // then: two attempts started, two ended
    assertThat(answer.join().content()).isEqualTo("fast");
    assertThat(events).filteredOn(RouterEvent.AttemptStarted.class::isInstance).hasSize(2);
    assertThat(events).filteredOn(RouterEvent.AttemptSucceeded.class::isInstance).singleElement()
        .satisfies(e -> assertThat(((RouterEvent.AttemptSucceeded) e).attempt()).isEqualTo(2));
    assertThat(events).filteredOn(RouterEvent.AttemptFailed.class::isInstance).singleElement()
        .satisfies(e -> {
          RouterEvent.AttemptFailed failed = (RouterEvent.AttemptFailed) e;
          assertThat(failed.attempt()).isEqualTo(1);
          assertThat(failed.kind()).isEqualTo(FailureKind.CANCELLED);
        });
  }

  @Test
  void hedging_halves_p99_of_a_heavy_tailed_model_with_at_most_6_percent_extra_calls() {
    int requests = 10_000;
    Result plain = simulate(null, requests);
    // hedge at a's live p95; the budget allows the 6 % extra calls the target grants
    Result hedged = simulate(HedgingConfig.atP95().withBudget(0.06, 3, Duration.ofSeconds(60)), requests);
    System.out.printf("p99 without hedging %d ms, with %d ms; extra calls %.2f %%%n", plain.p99Millis,
        hedged.p99Millis, 100.0 * hedged.extraCalls / requests);
    assertThat(hedged.p99Millis).isLessThanOrEqualTo(plain.p99Millis / 2);
    assertThat((double) hedged.extraCalls / requests).isLessThanOrEqualTo(0.06);
  }

  @Test
  void docs_sample_configures_hedging_per_route() {
    ManualTicker ticker = new ManualTicker();
    ScriptedProvider provider = ScriptedProvider.create("p", ticker);
    ModelCatalog catalog = ModelCatalog.of(ModelSpec.builder("a", "p").build(), ModelSpec.builder("b", "p").build());
    // --- sample: hedging ---
    Router router = Router.builder()
        .catalog(catalog)
        .provider(provider)
        .strategy(RouteTableStrategy.builder().route(TaskType.GENERAL, Priority.NORMAL, "a", "b").build())
        // every route: race the next model once the first has not answered within its p95
        .hedging(HedgingConfig.atP95())
        // simple questions: race after 300 ms, whatever the model's p95
        .hedging(TaskType.SIMPLE_QA, HedgingConfig.after(Duration.ofMillis(300)))
        .clock(ticker)
        .build();
    // --- end sample ---
    assertThat(router.route(hello, RouteHints.DEFAULT).join().model().value()).isEqualTo("a");
  }

  private record Result(long p99Millis, long extraCalls) {}

  /** a: 95 % of calls 80–120 ms, 5 % ten times slower; b: 80–120 ms. Sequential traffic. */
  private Result simulate(HedgingConfig hedging, int requests) {
    ManualTicker ticker = new ManualTicker();
    ScriptedProvider p = ScriptedProvider.create("p", ticker);
    SplittableRandom random = new SplittableRandom(7);
    p.model("a").thenFrom(() -> {
      long base = 80 + random.nextInt(41);
      return Outcome.ok().after(Duration.ofMillis(random.nextInt(100) < 5 ? base * 10 : base));
    });
    p.model("b").thenFrom(() -> Outcome.ok().after(Duration.ofMillis(80 + random.nextInt(41))));
    List<RouterEvent> events = new ArrayList<>();
    Router router = twoModels(ticker, p, hedging, events);
    AtomicLong attempts = new AtomicLong();
    long[] latencies = new long[requests];
    for (int i = 0; i < requests; i++) {
      CompletableFuture<RoutedResponse> answer = router.route(hello, RouteHints.DEFAULT);
      while (!answer.isDone()) {
        ticker.advance(Duration.ofMillis(5));
      }
      RoutedResponse response = answer.join();
      latencies[i] = response.latency().toMillis();
      ticker.advance(Duration.ofMillis(20));
    }
    attempts.set(events.stream().filter(RouterEvent.AttemptStarted.class::isInstance).count());
    java.util.Arrays.sort(latencies);
    return new Result(latencies[(int) Math.ceil(0.99 * requests) - 1], attempts.get() - requests);
  }

  private static Router twoModels(ManualTicker ticker, ScriptedProvider p, HedgingConfig hedging,
      List<RouterEvent> events) {
    RouterBuilder builder = Router.builder()
        .catalog(ModelCatalog.of(ModelSpec.builder("a", "p").build(), ModelSpec.builder("b", "p").build()))
        .provider(p).clock(ticker).listener(events::add)
        .strategy(RouteTableStrategy.builder().route(TaskType.GENERAL, Priority.NORMAL, "a", "b").build());
    if (hedging != null) {
      builder.hedging(hedging);
    }
    return builder.build();
  }
}
