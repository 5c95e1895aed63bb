package dev.sheepdog.policy.cost;

import dev.sheepdog.spi.Candidate;
import dev.sheepdog.spi.CandidateRanking;
import dev.sheepdog.spi.CircuitState;
import dev.sheepdog.spi.ModelHealthView;
import dev.sheepdog.spi.ModelSpec;
import dev.sheepdog.spi.Money;
import dev.sheepdog.spi.PlanRequest;
import dev.sheepdog.spi.Price;
import dev.sheepdog.spi.QualityTier;
import dev.sheepdog.spi.SelectionStrategy;
import java.util.List;
import java.util.Objects;

/**
 * The cheapest models that are good enough: a plan of the candidates that meet the task's
 * {@link QualityFloors quality floor}, cheapest first.
 *
 * <ul>
 *   <li><b>Cost</b> is the {@linkplain #estimatedCost estimated cost} of this request: the prompt
 *       estimate at the input price plus the output cap ({@code max_tokens}) at the output price,
 *       exact to the nano-dollar.
 *   <li><b>Hard limits.</b> Models whose estimated cost is above the request's {@link
 *       dev.sheepdog.spi.RouteHints#maxCost() maximum cost}, or above what the current {@link
 *       PriceCeiling} would charge for the same request, are left out.
 *   <li><b>Quality floor.</b> Models below the floor for the request's task and priority are left
 *       out, unless no available model meets it: then the floor is dropped and every model within
 *       the limits is planned by cost, because a weaker answer beats a 503.
 *   <li><b>Ties</b> in cost go to the healthier model: circuit closed before half-open before
 *       open, then the lower error rate, then the lower EWMA latency (a model with no sample yet
 *       wins, so new models get traffic); equal health keeps catalog order.
 *   <li><b>Unavailable</b> models (open circuit, 429 cool-down) go last rather than being dropped:
 *       the router checks admission itself, and they may have recovered by the time it gets there.
 * </ul>
 *
 * <p>Immutable and thread-safe. A plan allocates only the list it returns.
 */
public final class CostAwareStrategy implements SelectionStrategy {
  /** The name the strategy is bound under in the router's map of strategies. */
  public static final String NAME = "cost";

  // primary key: unavailable bit above the cost, so every available model sorts first
  private static final long UNAVAILABLE = 1L << 62;
  private static final long MAX_COST_KEY = UNAVAILABLE - 1;

  // secondary key: circuit rank (2 bits) | error rate in millionths (20 bits) | EWMA nanos (41 bits)
  private static final int CIRCUIT_SHIFT = 61;
  private static final int ERROR_RATE_SHIFT = 41;
  private static final long ERROR_RATE_SCALE = 1_000_000;
  private static final long MAX_EWMA_KEY = (1L << ERROR_RATE_SHIFT) - 1;

  private static final CostAwareStrategy DEFAULTS = builder().build();

  private final QualityFloors qualityFloors;
  private final PriceCeiling priceCeiling;

  private CostAwareStrategy(QualityFloors qualityFloors, PriceCeiling priceCeiling) {
    this.qualityFloors = qualityFloors;
    this.priceCeiling = priceCeiling;
  }

  /** Default quality floors, no price ceiling. */
  public static CostAwareStrategy ofDefaults() {
    return DEFAULTS;
  }

  public static Builder builder() {
    return new Builder();
  }

  public QualityFloors qualityFloors() {
    return qualityFloors;
  }

  public PriceCeiling priceCeiling() {
    return priceCeiling;
  }

  /**
   * What serving {@code request} with {@code model} is expected to cost: the estimated prompt
   * tokens at the input price plus the expected output tokens at the output price.
   */
  public static Money estimatedCost(PlanRequest request, ModelSpec model) {
    return model.price().cost(request.estimatedPromptTokens(), request.expectedOutputTokens());
  }

  @Override
  public List<Candidate> plan(PlanRequest request, List<Candidate> candidates) {
    long promptTokens = request.estimatedPromptTokens();
    long outputTokens = request.expectedOutputTokens();
    Money maxCost = request.hints().maxCost();
    long limitNanos = maxCost == null ? Long.MAX_VALUE : maxCost.nanos();
    Price ceiling = priceCeiling.current();
    if (ceiling != null) {
      limitNanos = Math.min(limitNanos, ceiling.estimateNanos(promptTokens, outputTokens));
    }
    QualityTier floor = qualityFloors.floorFor(request.hints().task(), request.hints().priority());

    CandidateRanking ranking = CandidateRanking.forCurrentThread();
    try {
      boolean anAvailableModelMeetsFloor = false;
      // indexed loop: no Iterator on the hot path
      for (int i = 0, n = candidates.size(); i < n; i++) {
        Candidate candidate = candidates.get(i);
        ModelSpec spec = candidate.spec();
        long cost = spec.price().estimateNanos(promptTokens, outputTokens);
        if (cost > limitNanos) {
          continue;
        }
        ModelHealthView health = candidate.health();
        boolean available = health.isAvailable();
        boolean meetsFloor = spec.tier().atLeast(floor);
        anAvailableModelMeetsFloor |= available && meetsFloor;
        long costKey = Math.min(cost, MAX_COST_KEY);
        ranking.add(candidate, available ? costKey : UNAVAILABLE | costKey, healthKey(health), !meetsFloor);
      }
      ranking.sort();
      return ranking.toPlan(!anAvailableModelMeetsFloor);
    } finally {
      ranking.clear();
    }
  }


  private static long healthKey(ModelHealthView health) {
    long circuit = circuitRank(health.circuitState());
    double rate = health.errorRate();
    // NaN and out-of-range rates from a misbehaving view are clamped rather than trusted
    long errorRate = !(rate > 0) ? 0 : rate >= 1 ? ERROR_RATE_SCALE : (long) (rate * ERROR_RATE_SCALE);
    long ewma = Math.max(0, Math.min(health.ewmaLatencyNanos(), MAX_EWMA_KEY));
    return circuit << CIRCUIT_SHIFT | errorRate << ERROR_RATE_SHIFT | ewma;
  }

  private static long circuitRank(CircuitState state) {
    if (state == CircuitState.CLOSED) {
      return 0;
    }
    return state == CircuitState.HALF_OPEN ? 1 : 2;
  }

  @Override
  public String toString() {
    return "CostAwareStrategy[" + qualityFloors + ", " + priceCeiling + "]";
  }

  /** Builds a {@link CostAwareStrategy}; each setting may be given once. Not thread-safe. */
  public static final class Builder {
    private QualityFloors qualityFloors;
    private PriceCeiling priceCeiling;

    private Builder() {}

    /** The floors to plan above; {@link QualityFloors#defaults()} if not given. */
    public Builder qualityFloors(QualityFloors qualityFloors) {
      Objects.requireNonNull(qualityFloors, "quality floors");
      if (this.qualityFloors != null) {
        throw new IllegalStateException("quality floors were already set to " + this.qualityFloors);
      }
      this.qualityFloors = qualityFloors;
      return this;
    }

    /** Where the budget's current ceiling is read; {@link PriceCeiling#NONE} if not given. */
    public Builder priceCeiling(PriceCeiling priceCeiling) {
      Objects.requireNonNull(priceCeiling, "price ceiling");
      if (this.priceCeiling != null) {
        throw new IllegalStateException("price ceiling was already set to " + this.priceCeiling);
      }
      this.priceCeiling = priceCeiling;
      return this;
    }

    public CostAwareStrategy build() {
      return new CostAwareStrategy(
          qualityFloors == null ? QualityFloors.defaults() : qualityFloors,
          priceCeiling == null ? PriceCeiling.NONE : priceCeiling);
    }
  }
}
