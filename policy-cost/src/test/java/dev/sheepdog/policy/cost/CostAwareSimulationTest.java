package dev.sheepdog.policy.cost;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sheepdog.core.RoutedResponse;
import dev.sheepdog.core.RouteTableStrategy;
import dev.sheepdog.core.Router;
import dev.sheepdog.spi.ChatRequest;
import dev.sheepdog.spi.ModelCatalog;
import dev.sheepdog.spi.ModelSpec;
import dev.sheepdog.spi.Priority;
import dev.sheepdog.spi.RouteHints;
import dev.sheepdog.spi.SelectionStrategy;
import dev.sheepdog.spi.TaskType;
import dev.sheepdog.spi.Usage;
import dev.sheepdog.testkit.ManualTicker;
import dev.sheepdog.testkit.Outcome;
import dev.sheepdog.testkit.ScriptedProvider;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Spend per request with {@link CostAwareStrategy} against the tutorial's route table, both run
 * through a real router over the same seeded traffic: the same requests, hints and token usage in
 * the same order, on healthy models.
 */
class CostAwareSimulationTest {
  private static final long SEED = 7_919L;
  private static final int REQUESTS = 10_000;
  private static final List<TaskType> TASKS = List.of(TaskType.SIMPLE_QA, TaskType.GENERAL);

  @Test
  void cost_aware_routing_spends_at_least_60_percent_less_than_the_route_table_with_the_same_success_rate() {
    // given: one seeded mix of simple_qa and general traffic across every priority
    List<Traffic> traffic = traffic(new SplittableRandom(SEED), REQUESTS);
    // when
    Result table = run(RouteTableStrategy.tutorialDefaults(), traffic);
    Result cost = run(CostAwareStrategy.ofDefaults(), traffic);
    // then
    double reduction = 1 - (double) cost.spentNanos / table.spentNanos;
    System.out.printf("cost-aware: route table $%.6f/request, cost-aware $%.6f/request, %.1f%% lower;"
        + " answered %d and %d of %d%n", table.perRequestUsd(), cost.perRequestUsd(), reduction * 100,
        table.answered, cost.answered, REQUESTS);
    assertThat(table.answered).isEqualTo(REQUESTS);
    assertThat(cost.answered).isEqualTo(REQUESTS);
    assertThat(reduction).isGreaterThanOrEqualTo(0.60);
  }

  /** One request of the mix: its hints, and the usage the model reports whichever model answers. */
  private record Traffic(ChatRequest request, RouteHints hints, Usage usage) {}

  private static List<Traffic> traffic(SplittableRandom random, int requests) {
    Priority[] priorities = Priority.values();
    List<Traffic> traffic = new ArrayList<>(requests);
    for (int i = 0; i < requests; i++) {
      long prompt = random.nextLong(200, 1_001);
      long completion = random.nextLong(100, 801);
      // a prompt of about `prompt` tokens, so the strategy's estimate sees the request's real size
      ChatRequest request = ChatRequest.builder().user("x".repeat((int) prompt * 4)).maxTokens((int) completion).build();
      RouteHints hints = RouteHints.of(TASKS.get(random.nextInt(TASKS.size())), priorities[random.nextInt(priorities.length)]);
      traffic.add(new Traffic(request, hints, new Usage(prompt, completion)));
    }
    return traffic;
  }

  private static Result run(SelectionStrategy strategy, List<Traffic> traffic) {
    ManualTicker ticker = new ManualTicker();
    ScriptedProvider provider = ScriptedProvider.create("holysheep", ticker);
    // every model answers in 300 ms with the usage of the request being served
    AtomicReference<Usage> current = new AtomicReference<>();
    for (ModelSpec model : TutorialCatalog.MODELS) {
      provider.model(model.id()).thenFrom(() -> Outcome.ok(Duration.ofMillis(300)).withUsage(current.get()));
    }
    Router router = Router.builder().catalog(ModelCatalog.of(TutorialCatalog.MODELS)).provider(provider)
        .clock(ticker).strategy(strategy).build();
    long spent = 0;
    int answered = 0;
    for (Traffic t : traffic) {
      current.set(t.usage());
      CompletableFuture<RoutedResponse> answer = router.route(t.request(), t.hints());
      ticker.advance(Duration.ofMillis(300));
      if (answer.isDone() && !answer.isCompletedExceptionally()) {
        spent += answer.join().cost().nanos();
        answered++;
      }
    }
    return new Result(spent, answered, traffic.size());
  }

  private record Result(long spentNanos, int answered, int requests) {
    double perRequestUsd() {
      return spentNanos / 1e9 / requests;
    }
  }
}
