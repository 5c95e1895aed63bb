package dev.sheepdog.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sheepdog.spi.Candidate;
import dev.sheepdog.spi.ChatChunk;
import dev.sheepdog.spi.ChatRequest;
import dev.sheepdog.spi.CircuitState;
import dev.sheepdog.spi.FailureKind;
import dev.sheepdog.spi.ModelCatalog;
import dev.sheepdog.spi.ModelId;
import dev.sheepdog.spi.ModelSpec;
import dev.sheepdog.spi.PlanRequest;
import dev.sheepdog.spi.Priority;
import dev.sheepdog.spi.RouteHints;
import dev.sheepdog.spi.RouterEvent;
import dev.sheepdog.spi.RouterException;
import dev.sheepdog.spi.RouterListener;
import dev.sheepdog.spi.SelectionStrategy;
import dev.sheepdog.spi.TaskType;
import dev.sheepdog.testkit.ManualTicker;
import dev.sheepdog.testkit.Outcome;
import dev.sheepdog.testkit.ScriptedProvider;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The code samples of docs/embedding.md, kept compiling and passing. The doc quotes the regions
 * between the {@code tag::} and {@code end::} comments; a ScriptedProvider stands in for a real
 * adapter so the samples run without a network.
 */
class EmbeddingDocSamplesTest {
  private final ManualTicker clock = new ManualTicker();
  private final ScriptedProvider holySheep = ScriptedProvider.create("holysheep", clock);

  // tag::catalog[]
  static final ModelCatalog CATALOG = ModelCatalog.of(
      ModelSpec.builder("gpt-4.1-mini", "holysheep").price("1.00", "4.00").contextWindow(1_000_000).build(),
      ModelSpec.builder("deepseek-chat", "holysheep").price("0.42", "1.68").contextWindow(64_000).build(),
      ModelSpec.builder("gpt-4.1", "holysheep").price("8.00", "32.00").contextWindow(1_000_000).build());
  // end::catalog[]

  // tag::strategy-class[]
  /** Cheapest output price first; keeps the models it is given, only reorders them. */
  static final class CheapestFirst implements SelectionStrategy {
    private static final Comparator<Candidate> BY_OUTPUT_PRICE =
        Comparator.comparingLong(c -> c.spec().price().outputNanosPerToken());

    @Override
    public List<Candidate> plan(PlanRequest request, List<Candidate> candidates) {
      List<Candidate> plan = new ArrayList<>(candidates);
      plan.sort(BY_OUTPUT_PRICE);
      return plan;
    }
  }
  // end::strategy-class[]

  @Test
  void a_router_with_your_own_route_table() {
    // tag::route-table[]
    RouteTableStrategy table = RouteTableStrategy.builder()
        .route(TaskType.GENERAL, Priority.NORMAL, "gpt-4.1-mini", "deepseek-chat", "gpt-4.1")
        .route(TaskType.CODE_GENERATION, Priority.NORMAL, "gpt-4.1", "gpt-4.1-mini")
        .route(TaskType.of("translation"), Priority.NORMAL, "deepseek-chat", "gpt-4.1-mini")
        .build();

    Router router = Router.builder()
        .catalog(CATALOG)
        .provider(holySheep)          // in production: the HolySheep or OpenAI adapter
        .strategy(table)
        .clock(clock)                 // leave out to use the system clock and timer thread
        .build();

    RoutedResponse answer = router
        .route(ChatRequest.ofUser("Translate 'sheepdog' to French"), RouteHints.builder().task("translation").build())
        .join();
    // end::route-table[]
    assertThat(answer.model().value()).isEqualTo("deepseek-chat");
  }

  @Test
  void a_strategy_as_a_lambda_composed_with_a_class() {
    // tag::strategy-lambda[]
    // A filter: only the models whose context window holds 128k tokens.
    SelectionStrategy longContext = (request, candidates) -> candidates.stream()
        .filter(c -> c.spec().contextWindow() >= 128_000)
        .toList();

    // A filter, then an order: the cheapest long-context model first.
    SelectionStrategy cheapestLongContext = longContext.andThen(new CheapestFirst());

    Router router = Router.builder().catalog(CATALOG).provider(holySheep).strategy(cheapestLongContext)
        .clock(clock).build();
    // end::strategy-lambda[]
    // when
    RoutedResponse answer = router.route(ChatRequest.ofUser("Hi"), RouteHints.DEFAULT).join();
    // then
    assertThat(answer.model().value()).isEqualTo("gpt-4.1-mini");

    // when the first model fails until its circuit opens
    for (int i = 0; i < 20 && circuit(router, "gpt-4.1-mini") != CircuitState.OPEN; i++) {
      holySheep.model("gpt-4.1-mini").then(Outcome.fail(FailureKind.UNAVAILABLE, 503));
      assertThat(router.route(ChatRequest.ofUser("Hi"), RouteHints.DEFAULT).join().model().value())
          .isEqualTo("gpt-4.1");
    }
    assertThat(circuit(router, "gpt-4.1-mini")).isEqualTo(CircuitState.OPEN);
    // then while it is open, the router skips it although the plan puts it first
    assertThat(router.route(ChatRequest.ofUser("Hi"), RouteHints.DEFAULT).join().model().value())
        .isEqualTo("gpt-4.1");
    // and once its recovery time is over, the next request probes it where the plan put it: it
    // answers, and its circuit closes (a strategy that had dropped it, or put it after a model that
    // answers, would have kept it open for good)
    clock.advance(Duration.ofMinutes(30));
    assertThat(router.route(ChatRequest.ofUser("Hi"), RouteHints.DEFAULT).join().model().value())
        .isEqualTo("gpt-4.1-mini");
    for (int i = 0; i < 5 && circuit(router, "gpt-4.1-mini") != CircuitState.CLOSED; i++) {
      router.route(ChatRequest.ofUser("Hi"), RouteHints.DEFAULT).join();
    }
    assertThat(circuit(router, "gpt-4.1-mini")).isEqualTo(CircuitState.CLOSED);
  }

  private static CircuitState circuit(Router router, String model) {
    return router.healthReport().model(model).orElseThrow().state();
  }

  @Test
  void listeners_and_settings() {
    // given
    holySheep.model("deepseek-chat").then(Outcome.fail(FailureKind.UNAVAILABLE, 503));
    holySheep.model("gpt-4.1-mini").then(Outcome.fail(FailureKind.TIMEOUT));
    // tag::listeners-settings[]
    AtomicLong failovers = new AtomicLong();
    RouterListener countFailovers = event -> {
      // Runs on the thread that caused the event: count and return, never block or throw.
      if (event instanceof RouterEvent.AttemptFailed failed && failed.kind().allowsFailover()) {
        failovers.incrementAndGet();
      }
    };

    RouterSettings settings = new RouterSettings(
        Duration.ofSeconds(30),                       // deadline of a whole request
        Duration.ofSeconds(20),                       // the most one provider call may take
        RetryConfig.defaults().withRounds(2),         // one retry round after the plan is exhausted
        CircuitBreakerConfig.defaults()
            .withConsecutiveFailures(5)
            .withRecovery(Duration.ofSeconds(30), 2.0, Duration.ofMinutes(5)),
        AllOpenPolicy.PROBE_EARLIEST,                 // when every circuit is open, probe the first to recover
        Duration.ofSeconds(1));                       // cool-down after a 429 that named no Retry-After

    Router router = Router.builder()
        .catalog(CATALOG)
        .provider(holySheep)
        .strategy(new CheapestFirst())
        .settings(settings)
        .listener(countFailovers)
        .clock(clock)
        .build();
    // end::listeners-settings[]
    // when: the two cheapest fail
    RoutedResponse answer = router.route(ChatRequest.ofUser("Hi"), RouteHints.DEFAULT).join();
    // then
    assertThat(answer.attempts()).extracting(a -> a.model().value())
        .containsExactly("deepseek-chat", "gpt-4.1-mini", "gpt-4.1");
    assertThat(failovers).hasValue(2);
  }

  @Test
  void streaming() {
    // given
    holySheep.model("gpt-4.1-mini").then(Outcome.stream("Bonjour", ", ", "berger"));
    Router router = Router.builder().catalog(CATALOG).provider(holySheep)
        .strategy(RouteTableStrategy.builder()
            .route(TaskType.GENERAL, Priority.NORMAL, "gpt-4.1-mini", "deepseek-chat").build())
        .clock(clock).build();
    StringBuilder out = new StringBuilder();
    // tag::streaming[]
    RoutedStream stream = router.stream(ChatRequest.ofUser("Say hello in French"), RouteHints.DEFAULT,
        new RoutedStreamListener() {
          @Override
          public void onChunk(ModelId model, ChatChunk chunk) {
            out.append(chunk.text());             // every chunk comes from the same model
          }

          @Override
          public void onComplete(RoutedStreamResult result) {
            out.append(" [").append(result.model()).append(", ").append(result.cost()).append(']');
          }

          @Override
          public void onError(RouterException error) {
            // Before the first chunk the router fails over by itself; an error here means no model
            // could answer, or the stream broke after text was sent (StreamInterruptedException).
            out.append(" [error: ").append(error.getMessage()).append(']');
          }
        });
    // stream.cancel() stops it and cancels the upstream call.
    // end::streaming[]
    // then
    assertThat(stream.requestId()).isNotBlank();
    assertThat(out.toString()).startsWith("Bonjour, berger [gpt-4.1-mini, ");
  }
}
