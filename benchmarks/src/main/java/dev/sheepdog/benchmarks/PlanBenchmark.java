package dev.sheepdog.benchmarks;

import dev.sheepdog.core.RouteTableStrategy;
import dev.sheepdog.policy.cost.CostAwareStrategy;
import dev.sheepdog.policy.latency.LatencyTierStrategy;
import dev.sheepdog.policy.latency.PeakEwmaStrategy;
import dev.sheepdog.spi.Candidate;
import dev.sheepdog.spi.ChatRequest;
import dev.sheepdog.spi.PlanRequest;
import dev.sheepdog.spi.Priority;
import dev.sheepdog.spi.RouteHints;
import dev.sheepdog.spi.SelectionStrategy;
import dev.sheepdog.spi.TaskType;
import java.util.List;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * One plan by each built-in strategy over the tutorial's six models, the cost a strategy adds to
 * every request. The requests cycle through every task and priority so that no branch is the only
 * one the JIT sees.
 */
@State(Scope.Benchmark)
public class PlanBenchmark extends BenchmarkDefaults {

  @Param
  StrategyKind strategy;

  private SelectionStrategy planner;
  private List<Candidate> candidates;
  private PlanRequest[] requests;
  private int index;

  @Setup
  public void setUp() {
    planner = strategy.create();
    candidates = TutorialCandidates.measured();
    TaskType[] tasks = {TaskType.SIMPLE_QA, TaskType.CODE_GENERATION, TaskType.COMPLEX_REASONING, TaskType.GENERAL};
    Priority[] priorities = Priority.values();
    requests = new PlanRequest[INPUTS];
    for (int i = 0; i < INPUTS; i++) {
      ChatRequest request = ChatRequest.builder().user("question " + i).maxTokens(256 + 64 * (i % 8)).build();
      RouteHints hints = RouteHints.of(tasks[i % tasks.length], priorities[(i / tasks.length) % priorities.length]);
      requests[i] = new PlanRequest(request, hints, 40 + i);
    }
  }

  @Benchmark
  public List<Candidate> plan() {
    return planner.plan(requests[index++ & MASK], candidates);
  }

  /** The strategy under test; each constant builds its own. */
  public enum StrategyKind {
    ROUTE_TABLE {
      @Override
      SelectionStrategy create() {
        return RouteTableStrategy.tutorialDefaults();
      }
    },
    COST {
      @Override
      SelectionStrategy create() {
        return CostAwareStrategy.ofDefaults();
      }
    },
    PEAK_EWMA {
      @Override
      SelectionStrategy create() {
        return PeakEwmaStrategy.ofDefaults();
      }
    },
    LATENCY_TIER {
      @Override
      SelectionStrategy create() {
        return LatencyTierStrategy.ofDefaults();
      }
    },
    /** "Cheapest within the latency tier", the composition the policies' docs recommend. */
    TIER_THEN_COST {
      @Override
      SelectionStrategy create() {
        return LatencyTierStrategy.ofDefaults().andThen(CostAwareStrategy.ofDefaults());
      }
    };

    abstract SelectionStrategy create();
  }
}
