package dev.sheepdog.policy.latency;

import dev.sheepdog.spi.Candidate;
import dev.sheepdog.spi.CandidateRanking;
import dev.sheepdog.spi.ModelHealthView;
import dev.sheepdog.spi.PlanRequest;
import dev.sheepdog.spi.SelectionStrategy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/**
 * Finagle's load balancer for models: the power of two choices over a peak-sensitive EWMA of
 * latency.
 *
 * <p>A model's cost is its {@linkplain ModelHealthView#ewmaLatencyNanos() EWMA latency} times
 * (calls in flight + 1): the wait a new request should expect behind the ones already queued.
 * The EWMA itself (10 s decay, jumping to a peak at once and decaying from it slowly) is kept by
 * the router's statistics; this strategy only reads it. A model without a sample yet costs the
 * {@linkplain Builder#unmeasuredLatency unmeasured latency}, low enough by default that new models
 * are tried, while its in-flight count still keeps it from taking every request at once.
 *
 * <p>Each plan picks two distinct healthy models ({@linkplain ModelHealthView#isAvailable()
 * available}: the circuit admits calls or is due a probe, no 429 cool-down) at random and puts
 * the cheaper first, then the one it beat, then every other model by cost, unhealthy ones last, so
 * the router has fallbacks. Comparing two random models rather than taking the cheapest of all
 * keeps many routers from stampeding onto the same model between two updates of its statistics,
 * and a model five times slower than the rest still loses nearly every comparison.
 *
 * <p>Immutable and thread-safe if its random source is: the default is {@link
 * ThreadLocalRandom}. A plan allocates only the list it returns.
 */
public final class PeakEwmaStrategy implements SelectionStrategy {
  /** The name the strategy is bound under in the router's map of strategies. */
  public static final String NAME = "latency";

  /** What a model without a latency sample is assumed to take. */
  public static final Duration DEFAULT_UNMEASURED_LATENCY = Duration.ofMillis(500);

  // primary key: unhealthy bit above the cost, so every healthy model sorts first
  private static final long UNHEALTHY = 1L << 62;
  private static final long MAX_COST_KEY = UNHEALTHY - 1;

  private static final PeakEwmaStrategy DEFAULTS = builder().build();

  private final long unmeasuredLatencyNanos;
  private final Supplier<? extends RandomGenerator> random;

  private PeakEwmaStrategy(long unmeasuredLatencyNanos, Supplier<? extends RandomGenerator> random) {
    this.unmeasuredLatencyNanos = unmeasuredLatencyNanos;
    this.random = random;
  }

  /** Unmeasured latency 500 ms, {@link ThreadLocalRandom}. */
  public static PeakEwmaStrategy ofDefaults() {
    return DEFAULTS;
  }

  public static Builder builder() {
    return new Builder();
  }

  public Duration unmeasuredLatency() {
    return Duration.ofNanos(unmeasuredLatencyNanos);
  }

  /**
   * What a new request is expected to wait on a model: its EWMA latency (or the unmeasured
   * latency) times its calls in flight plus one, in nanoseconds; saturates rather than overflows.
   */
  public long costNanos(ModelHealthView health) {
    return cost(health.ewmaLatencyNanos(), health.inFlight());
  }

  private long cost(long ewmaNanos, int inFlight) {
    long latency = ewmaNanos > 0 ? ewmaNanos : unmeasuredLatencyNanos;
    long queued = Math.max(0, inFlight) + 1L;
    return latency > MAX_COST_KEY / queued ? MAX_COST_KEY : latency * queued;
  }

  @Override
  public List<Candidate> plan(PlanRequest request, List<Candidate> candidates) {
    CandidateRanking ranking = CandidateRanking.forCurrentThread();
    try {
      int healthy = 0;
      // indexed loop: no Iterator on the hot path
      for (int i = 0, n = candidates.size(); i < n; i++) {
        Candidate candidate = candidates.get(i);
        ModelHealthView health = candidate.health();
        // available: its circuit admits calls or is due a probe (an OPEN circuit whose recovery time
        // is over stays OPEN until the router admits that probe, so its state alone would keep a
        // recovered model last for good), and no 429 cool-down runs
        boolean isHealthy = health.isAvailable();
        long cost = cost(health.ewmaLatencyNanos(), health.inFlight());
        ranking.add(candidate, isHealthy ? cost : UNHEALTHY | cost, 0, false);
        if (isHealthy) {
          healthy++;
        }
      }
      ranking.sort();
      if (healthy < 2) {
        return ranking.toPlan(true);
      }
      // the healthy models are the first `healthy` of the ranking, cheapest first, so of two
      // distinct positions the lower one is the cheaper model
      RandomGenerator generator = random.get();
      int a = generator.nextInt(healthy);
      int b = generator.nextInt(healthy - 1);
      if (b >= a) {
        b++;
      }
      int winner = Math.min(a, b);
      int loser = Math.max(a, b);
      List<Candidate> plan = new ArrayList<>(ranking.size());
      plan.add(ranking.get(winner));
      plan.add(ranking.get(loser));
      for (int i = 0, n = ranking.size(); i < n; i++) {
        if (i != winner && i != loser) {
          plan.add(ranking.get(i));
        }
      }
      return plan;
    } finally {
      ranking.clear();
    }
  }

  @Override
  public String toString() {
    return "PeakEwmaStrategy[unmeasured latency " + unmeasuredLatency().toMillis() + " ms]";
  }

  /** Builds a {@link PeakEwmaStrategy}; each setting may be given once. Not thread-safe. */
  public static final class Builder {
    private Duration unmeasuredLatency;
    private Supplier<? extends RandomGenerator> random;

    private Builder() {}

    /**
     * The latency assumed for a model with no sample yet; {@link #DEFAULT_UNMEASURED_LATENCY} if
     * not given. Lower tries new models sooner; higher trusts measured ones longer.
     */
    public Builder unmeasuredLatency(Duration unmeasuredLatency) {
      Objects.requireNonNull(unmeasuredLatency, "unmeasured latency");
      if (unmeasuredLatency.isNegative() || unmeasuredLatency.isZero()) {
        throw new IllegalArgumentException("unmeasured latency must be positive, was " + unmeasuredLatency);
      }
      if (this.unmeasuredLatency != null) {
        throw new IllegalStateException("unmeasured latency was already set to " + this.unmeasuredLatency);
      }
      this.unmeasuredLatency = unmeasuredLatency;
      return this;
    }

    /**
     * Where each plan gets its random numbers; called once per plan, on the planning thread, and
     * must return a generator that thread may use. {@code ThreadLocalRandom::current} if not
     * given; tests pass a seeded generator to make plans reproducible.
     */
    public Builder random(Supplier<? extends RandomGenerator> random) {
      Objects.requireNonNull(random, "random source");
      if (this.random != null) {
        throw new IllegalStateException("random source was already set to " + this.random);
      }
      this.random = random;
      return this;
    }

    public PeakEwmaStrategy build() {
      return new PeakEwmaStrategy(
          (unmeasuredLatency == null ? DEFAULT_UNMEASURED_LATENCY : unmeasuredLatency).toNanos(),
          random == null ? ThreadLocalRandom::current : random);
    }
  }
}
