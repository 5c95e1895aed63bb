package dev.sheepdog.benchmarks;

import dev.sheepdog.adapter.holysheep.HolySheep;
import dev.sheepdog.core.Router;
import dev.sheepdog.core.cost.BudgetCap;
import dev.sheepdog.core.cost.BudgetDecision;
import dev.sheepdog.core.cost.BudgetGuard;
import dev.sheepdog.core.cost.SpendLedger;
import dev.sheepdog.core.limit.Admission;
import dev.sheepdog.core.limit.ModelRateLimiter;
import dev.sheepdog.spi.Candidate;
import dev.sheepdog.spi.ModelId;
import dev.sheepdog.spi.ModelSpec;
import dev.sheepdog.spi.Money;
import dev.sheepdog.spi.RouteHints;
import dev.sheepdog.spi.RouterListener;
import dev.sheepdog.spi.Ticker;
import java.time.Duration;
import java.util.List;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The checks the router makes before calling one planned model: its circuit (read through the
 * public {@code Router.candidate(model).health()}), its rate limits (reserve, then correct to the
 * actual usage) and the budget caps. Each alone, then all three as the router runs them.
 *
 * <p>The limiter's ticker steps 100 ms per reading, so every request is admitted: this measures
 * the admitted path, the one every served request takes.
 */
@State(Scope.Thread)
public class AdmissionBenchmark extends BenchmarkDefaults {
  private static final ModelId MODEL = ModelId.of("deepseek-chat");

  private ModelSpec spec;
  private Candidate circuit;
  private ModelRateLimiter limiter;
  private BudgetGuard budget;
  private long[] estimatedTokens;
  private long[] actualTokens;
  private Money[] estimatedCosts;
  private RouteHints[] hints;
  private int index;

  @Setup
  public void setUp() {
    Router router = Router.builder().catalog(HolySheep.catalog()).provider(new InstantProvider()).build();
    spec = router.catalog().require(MODEL);
    circuit = router.candidate(MODEL);
    limiter = ModelRateLimiter.of(spec, new SteppingTicker(Duration.ofMillis(100).toNanos()));
    budget = new BudgetGuard(new SpendLedger(), List.of(
        BudgetCap.global("daily", Money.ofUsd("50")),
        BudgetCap.forTag("batch", "batch", Money.ofUsd("5")).restrictingToOutputPriceAtMost("2.00")),
        RouterListener.NONE, Ticker.system());
    estimatedTokens = new long[INPUTS];
    actualTokens = new long[INPUTS];
    estimatedCosts = new Money[INPUTS];
    hints = new RouteHints[INPUTS];
    for (int i = 0; i < INPUTS; i++) {
      estimatedTokens[i] = 200 + 37L * i;
      actualTokens[i] = estimatedTokens[i] / 2 + i;
      estimatedCosts[i] = BudgetGuard.estimateCost(spec, estimatedTokens[i], 256);
      hints[i] = (i & 1) == 0 ? RouteHints.DEFAULT : RouteHints.builder().tag("batch").build();
    }
  }

  @Benchmark
  public boolean circuit() {
    return circuit.health().isAvailable();
  }

  @Benchmark
  public boolean rateLimit() {
    int i = index++ & MASK;
    Admission admission = limiter.tryAcquire(estimatedTokens[i]);
    if (admission.admitted()) {
      limiter.correct(estimatedTokens[i], actualTokens[i]);
    }
    return admission.admitted();
  }

  @Benchmark
  public BudgetDecision budget() {
    int i = index++ & MASK;
    return budget.check(spec, estimatedCosts[i], hints[i]);
  }

  /** Circuit, then limits, then budget, each only if the one before let the request through. */
  @Benchmark
  public boolean admit() {
    int i = index++ & MASK;
    if (!circuit.health().isAvailable()) {
      return false;
    }
    Admission admission = limiter.tryAcquire(estimatedTokens[i]);
    if (!admission.admitted()) {
      return false;
    }
    boolean allowed = budget.check(spec, estimatedCosts[i], hints[i]).allows();
    if (allowed) {
      limiter.correct(estimatedTokens[i], actualTokens[i]);
    } else {
      limiter.release(estimatedTokens[i]);
    }
    return allowed;
  }
}
