package dev.sheepdog.core;

import dev.sheepdog.core.limit.Admission;
import dev.sheepdog.core.limit.ModelRateLimiter;
import dev.sheepdog.core.stats.ModelStats;
import dev.sheepdog.spi.Candidate;
import dev.sheepdog.spi.CircuitState;
import dev.sheepdog.spi.FailureKind;
import dev.sheepdog.spi.ModelHealthView;
import dev.sheepdog.spi.ModelSpec;
import dev.sheepdog.spi.SharedState;
import dev.sheepdog.spi.Ticker;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Everything the router tracks about one model: its circuit, its rate limiter (which also holds
 * 429 cool-downs) and its latency statistics. It is also the {@link Candidate} strategies see, so
 * planning reads live values without copying.
 *
 * <p>Recording goes to lock-free, allocation-free structures ({@link ModelStats}, the limiter's
 * GCRA cells, the breaker's atomics); reads for strategies are volatile reads of cached values.
 */
final class ModelHealth implements Candidate, ModelHealthView {
  private final java.util.concurrent.atomic.AtomicBoolean answeredWithoutUsage =
      new java.util.concurrent.atomic.AtomicBoolean();
  private final ModelSpec spec;
  private final CircuitBreaker breaker;
  private final ModelRateLimiter limiter;
  private final ModelStats stats;
  private final Ticker ticker;
  private volatile FailureKind lastFailure;
  private volatile long lastFailureEpochMillis;
  /** The admission handed out for the current circuit permit; see {@link #admitted}. */
  private volatile ModelAdmission lastAdmitted;
  /** The same for admissions reserved in the fleet's shared limits. */
  private volatile ModelAdmission lastAdmittedShared;
  /** The model's fleet-wide limits, when the router shares its state; else {@code null}. */
  private final SharedState.Limit sharedLimit;
  /**
   * The open-until (epoch millis) of the fleet's circuit episode this model's circuit follows, as
   * published in the shared state; {@code 0} when none. Probes are counted fleet-wide per episode.
   */
  private volatile long fleetEpisode;
  /** Tokens reserved in the limiter by calls not settled yet; 0 whenever no call is open. */
  private final AtomicLong openReservations = new AtomicLong();

  ModelHealth(ModelSpec spec, CircuitBreaker breaker, ModelRateLimiter limiter, ModelStats stats, Ticker ticker) {
    this(spec, breaker, limiter, stats, ticker, null);
  }

  ModelHealth(ModelSpec spec, CircuitBreaker breaker, ModelRateLimiter limiter, ModelStats stats, Ticker ticker,
      SharedState.Limit sharedLimit) {
    this.sharedLimit = sharedLimit;
    this.spec = spec;
    this.breaker = breaker;
    this.limiter = limiter;
    this.stats = stats;
    this.ticker = ticker;
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

  ModelRateLimiter limiter() {
    return limiter;
  }

  ModelStats stats() {
    return stats;
  }

  void callStarted() {
    stats.callStarted();
  }

  void recordSuccess(long latencyNanos) {
    stats.recordSuccess(latencyNanos);
  }

  void recordFirstChunk(long timeToFirstChunkNanos) {
    stats.recordTimeToFirstToken(timeToFirstChunkNanos);
  }

  void recordStreamSuccess(long latencyNanos) {
    stats.recordStreamSuccess(latencyNanos);
  }

  /** A call dropped because another model answered first; see {@link ModelStats#recordAbandoned}. */
  void recordAbandoned(long elapsedNanos) {
    stats.recordAbandoned(elapsedNanos);
  }

  void recordFailure(FailureKind kind, long latencyNanos) {
    if (kind == FailureKind.CANCELLED) {
      stats.recordCancelled();
      return;
    }
    stats.recordFailure(kind, latencyNanos);
    lastFailure = kind;
    lastFailureEpochMillis = ticker.epochMillis();
  }

  /** Whether this is the first answer of this model without usage (the one to warn about). */
  boolean firstAnswerWithoutUsage() {
    return !answeredWithoutUsage.get() && answeredWithoutUsage.compareAndSet(false, true);
  }

  /**
   * Reserves a request slot and {@code tokens} estimated tokens, or says how long to wait. An
   * admitted reservation stays open until {@link #settleTokens} settles it.
   */
  Admission reserve(long tokens) {
    Admission admission = limiter.tryAcquire(tokens);
    if (admission.admitted()) {
      openReservations.addAndGet(tokens);
    }
    return admission;
  }

  /** Counts a reservation the fleet's shared limits admitted, until it is settled. */
  void reservedShared(long tokens) {
    openReservations.addAndGet(tokens);
  }

  /**
   * Settles a reservation of {@code reserved} tokens: {@code charged} is what the call used (0
   * gives the whole reservation back; the request slot stays used either way). {@code shared} says
   * whether the fleet's limits or the local limiter holds it.
   */
  void settleTokens(long reserved, long charged, boolean shared, SharedState state) {
    if (shared) {
      if (reserved != charged && sharedLimit.tokensPerMinute() > 0) {
        state.correct(sharedLimit, reserved, charged);
      }
    } else {
      limiter.correct(reserved, charged);
    }
    openReservations.addAndGet(-reserved);
  }

  /** The model's fleet-wide limits; {@code null} when the router does not share its state. */
  SharedState.Limit sharedLimit() {
    return sharedLimit;
  }

  long fleetEpisode() {
    return fleetEpisode;
  }

  void fleetEpisode(long openUntilEpochMillis) {
    this.fleetEpisode = openUntilEpochMillis;
  }

  /** Tokens reserved by calls not settled yet: exactly 0 once every call has ended. */
  long openReservations() {
    return openReservations.get();
  }

  /**
   * The admission of a call under {@code permit}. A permit is the circuit's state object, which
   * lives as long as the state (a closed circuit's for as long as it stays closed), so the value
   * is made once per state, not once per call.
   */
  ModelAdmission admitted(Object permit, boolean shared) {
    ModelAdmission last = shared ? lastAdmittedShared : lastAdmitted;
    if (last != null && last.permit() == permit) {
      return last;
    }
    ModelAdmission fresh = ModelAdmission.admitted(permit, shared);
    if (shared) {
      lastAdmittedShared = fresh;
    } else {
      lastAdmitted = fresh;
    }
    return fresh;
  }

  /** Holds the model back until {@code untilNanos} (a 429's retry-after); never shortens a hold. */
  void coolDownUntil(long untilNanos) {
    limiter.coolDownUntil(untilNanos);
  }

  boolean coolingDown(long nowNanos) {
    return limiter.coolDownUntilNanos() - nowNanos > 0;
  }

  long coolDownUntilNanos() {
    return limiter.coolDownUntilNanos();
  }

  FailureKind lastFailure() {
    return lastFailure;
  }

  long lastFailureEpochMillis() {
    return lastFailureEpochMillis;
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
    return stats.ewmaLatencyNanos();
  }

  @Override
  public long p50LatencyNanos() {
    return stats.p50LatencyNanos();
  }

  @Override
  public long p95LatencyNanos() {
    return stats.p95LatencyNanos();
  }

  @Override
  public long p99LatencyNanos() {
    return stats.p99LatencyNanos();
  }

  @Override
  public double errorRate() {
    return stats.errorRate();
  }

  @Override
  public long windowCalls() {
    return stats.windowCalls();
  }

  @Override
  public int inFlight() {
    return stats.inFlight();
  }

  @Override
  public int consecutiveFailures() {
    return stats.consecutiveFailures();
  }

  @Override
  public String toString() {
    return spec.id() + "[" + breaker.state() + "]";
  }
}
