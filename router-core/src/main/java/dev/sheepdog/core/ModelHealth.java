package dev.sheepdog.core;

import dev.sheepdog.spi.Candidate;
import dev.sheepdog.spi.CircuitState;
import dev.sheepdog.spi.FailureKind;
import dev.sheepdog.spi.ModelHealthView;
import dev.sheepdog.spi.ModelSpec;
import dev.sheepdog.spi.Ticker;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Everything the router tracks about one model: its circuit, its 429 cool-down and its counters.
 * It is also the {@link Candidate} strategies see, so planning reads live values without copying.
 *
 * <p>Counters are {@link LongAdder}s and atomics: recording never locks and never allocates.
 */
final class ModelHealth implements Candidate, ModelHealthView {
  private final ModelSpec spec;
  private final CircuitBreaker breaker;
  private final Ticker ticker;
  private final AtomicLong coolDownUntilNanos;
  private final LongAdder calls = new LongAdder();
  private final LongAdder successes = new LongAdder();
  private final LongAdder[] failures = new LongAdder[FailureKind.values().length];
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicInteger consecutiveFailures = new AtomicInteger();
  private volatile FailureKind lastFailure;
  private volatile long lastFailureEpochMillis;

  ModelHealth(ModelSpec spec, CircuitBreaker breaker, Ticker ticker) {
    this.spec = spec;
    this.breaker = breaker;
    this.ticker = ticker;
    this.coolDownUntilNanos = new AtomicLong(ticker.nanoTime());
    for (int i = 0; i < failures.length; i++) {
      failures[i] = new LongAdder();
    }
  }

  @Override
  public ModelSpec spec() {
    return spec;
  }

  @Override
  public ModelHealthView health() {
    return this;
  }

  CircuitBreaker breaker() {
    return breaker;
  }

  void callStarted() {
    calls.increment();
    inFlight.incrementAndGet();
  }

  void recordSuccess() {
    inFlight.decrementAndGet();
    successes.increment();
    consecutiveFailures.set(0);
  }

  void recordFailure(FailureKind kind) {
    inFlight.decrementAndGet();
    failures[kind.ordinal()].increment();
    if (kind != FailureKind.CANCELLED) {
      lastFailure = kind;
      lastFailureEpochMillis = ticker.epochMillis();
    }
    if (kind.countsAgainstCircuit()) {
      consecutiveFailures.incrementAndGet();
    }
  }

  /** Holds the model back until {@code untilNanos} (a 429's retry-after); never shortens a hold. */
  void coolDownUntil(long untilNanos) {
    coolDownUntilNanos.accumulateAndGet(untilNanos, (a, b) -> a - b >= 0 ? a : b);
  }

  boolean coolingDown(long nowNanos) {
    return coolDownUntilNanos.get() - nowNanos > 0;
  }

  long coolDownUntilNanos() {
    return coolDownUntilNanos.get();
  }

  // --- ModelHealthView ---

  @Override
  public CircuitState circuitState() {
    return breaker.state();
  }

  @Override
  public boolean isAvailable() {
    long now = ticker.nanoTime();
    return !coolingDown(now) && breaker.wouldAdmit(now);
  }

  @Override
  public long ewmaLatencyNanos() {
    return 0;
  }

  @Override
  public long p50LatencyNanos() {
    return 0;
  }

  @Override
  public long p95LatencyNanos() {
    return 0;
  }

  @Override
  public long p99LatencyNanos() {
    return 0;
  }

  @Override
  public double errorRate() {
    long total = calls.sum();
    return total == 0 ? 0 : (double) failureCount() / total;
  }

  @Override
  public long windowCalls() {
    return calls.sum();
  }

  @Override
  public int inFlight() {
    return inFlight.get();
  }

  @Override
  public int consecutiveFailures() {
    return consecutiveFailures.get();
  }

  // --- reporting ---

  long calls() {
    return calls.sum();
  }

  long successes() {
    return successes.sum();
  }

  long failureCount() {
    long sum = 0;
    for (FailureKind kind : FailureKind.values()) {
      if (kind != FailureKind.CANCELLED) {
        sum += failures[kind.ordinal()].sum();
      }
    }
    return sum;
  }

  Map<FailureKind, Long> failuresByKind() {
    Map<FailureKind, Long> byKind = new EnumMap<>(FailureKind.class);
    for (FailureKind kind : FailureKind.values()) {
      long n = failures[kind.ordinal()].sum();
      if (n > 0) {
        byKind.put(kind, n);
      }
    }
    return byKind;
  }

  FailureKind lastFailure() {
    return lastFailure;
  }

  long lastFailureEpochMillis() {
    return lastFailureEpochMillis;
  }

  @Override
  public String toString() {
    return spec.id() + "[" + breaker.state() + "]";
  }
}
