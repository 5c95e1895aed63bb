package dev.sheepdog.policy.latency;

import dev.sheepdog.spi.Candidate;
import dev.sheepdog.spi.CandidateRanking;
import dev.sheepdog.spi.PlanRequest;
import dev.sheepdog.spi.Priority;
import dev.sheepdog.spi.SelectionStrategy;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The models fast enough for the request's priority: those whose p95 latency is within the
 * priority's tier, fastest first.
 *
 * <p>Tiers (the original tutorial's): {@code fast} ≤ 1,000 ms, {@code normal} ≤ 3,000 ms, {@code
 * high} ≤ 10,000 ms ("slow": a high-priority request waits for a strong model). A model with no
 * p95 yet counts as fitting, so new models are not starved, and comes after the measured ones:
 * a model known to fit is the safer first try. When no model fits, every model is planned by p95
 * instead, since a slow answer beats none.
 *
 * <p>It is a filter as much as an order, made to be followed by another strategy:
 * {@code LatencyTierStrategy.ofDefaults().andThen(cost)} is "cheapest within the tier". It does
 * not look at circuits; the router checks admission, and a following strategy may order by health.
 *
 * <p>Immutable and thread-safe. A plan allocates only the list it returns.
 */
public final class LatencyTierStrategy implements SelectionStrategy {
  /** The name the strategy is bound under in the router's map of strategies. */
  public static final String NAME = "latency-tier";

  public static final Duration DEFAULT_FAST = Duration.ofMillis(1_000);
  public static final Duration DEFAULT_NORMAL = Duration.ofMillis(3_000);
  public static final Duration DEFAULT_HIGH = Duration.ofMillis(10_000);

  private static final LatencyTierStrategy DEFAULTS = builder().build();

  // indexed by Priority ordinal
  private final long[] maxP95Nanos;

  private LatencyTierStrategy(long[] maxP95Nanos) {
    this.maxP95Nanos = maxP95Nanos;
  }

  /** Fast ≤ 1 s, normal ≤ 3 s, high ≤ 10 s. */
  public static LatencyTierStrategy ofDefaults() {
    return DEFAULTS;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The slowest p95 that fits {@code priority}'s tier. */
  public Duration maxP95(Priority priority) {
    return Duration.ofNanos(maxP95Nanos[priority.ordinal()]);
  }

  @Override
  public List<Candidate> plan(PlanRequest request, List<Candidate> candidates) {
    long maxP95 = maxP95Nanos[request.hints().priority().ordinal()];
    CandidateRanking ranking = CandidateRanking.forCurrentThread();
    try {
      boolean anyFits = false;
      // indexed loop: no Iterator on the hot path
      for (int i = 0, n = candidates.size(); i < n; i++) {
        Candidate candidate = candidates.get(i);
        long p95 = candidate.health().p95LatencyNanos();
        boolean unmeasured = p95 <= 0;
        boolean fits = unmeasured || p95 <= maxP95;
        anyFits |= fits;
        ranking.add(candidate, unmeasured ? Long.MAX_VALUE : p95, 0, !fits);
      }
      ranking.sort();
      return ranking.toPlan(!anyFits);
    } finally {
      ranking.clear();
    }
  }

  @Override
  public String toString() {
    return "LatencyTierStrategy[fast ≤ " + maxP95(Priority.FAST).toMillis() + " ms, normal ≤ "
        + maxP95(Priority.NORMAL).toMillis() + " ms, high ≤ " + maxP95(Priority.HIGH).toMillis() + " ms]";
  }

  /** Builds a {@link LatencyTierStrategy}; each tier may be given once. Not thread-safe. */
  public static final class Builder {
    private final Map<Priority, Duration> tiers = new EnumMap<>(Priority.class);

    private Builder() {}

    /** The slowest p95 a model may have to serve requests of {@code priority}. */
    public Builder tier(Priority priority, Duration maxP95) {
      Objects.requireNonNull(priority, "priority");
      String field = "latency tier for " + priority.wireName();
      Objects.requireNonNull(maxP95, field);
      if (maxP95.isNegative() || maxP95.isZero()) {
        throw new IllegalArgumentException(field + " must be positive, was " + maxP95);
      }
      Duration previous = tiers.putIfAbsent(priority, maxP95);
      if (previous != null) {
        throw new IllegalStateException(field + " was already set to " + previous);
      }
      return this;
    }

    public LatencyTierStrategy build() {
      long[] maxP95Nanos = new long[Priority.values().length];
      maxP95Nanos[Priority.FAST.ordinal()] = tiers.getOrDefault(Priority.FAST, DEFAULT_FAST).toNanos();
      maxP95Nanos[Priority.NORMAL.ordinal()] = tiers.getOrDefault(Priority.NORMAL, DEFAULT_NORMAL).toNanos();
      maxP95Nanos[Priority.HIGH.ordinal()] = tiers.getOrDefault(Priority.HIGH, DEFAULT_HIGH).toNanos();
      return new LatencyTierStrategy(maxP95Nanos);
    }
  }
}
