package dev.sheepdog.core.stats;

import dev.sheepdog.spi.FailureKind;
import dev.sheepdog.spi.Ticker;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import org.HdrHistogram.AbstractHistogram;
import org.HdrHistogram.Histogram;

/**
 * Live latency and outcome statistics of one model: what selection strategies, alerts and health
 * reports read.
 *
 * <h2>What is recorded</h2>
 *
 * <ul>
 *   <li>{@link #callStarted()} when a call goes out; exactly one of {@link #recordSuccess}, {@link
 *       #recordStreamSuccess}, {@link #recordFailure} or {@link #recordCancelled} when it ends.
 *   <li>Non-streaming calls: {@link #recordSuccess} with the whole latency; it feeds the
 *       percentiles and the moving average.
 *   <li>Streams: {@link #recordTimeToFirstToken} when the first token arrives — that is the sample
 *       the moving average takes, since it is what a waiting user feels — and {@link
 *       #recordStreamSuccess} with the total duration at the end, which feeds the percentiles but
 *       not the moving average.
 * </ul>
 *
 * <p>Failures are counted by {@link FailureKind}. The error rate and the consecutive-failure count
 * take only failures that say something about the model: a caller's {@code BAD_REQUEST}, {@code
 * CONTEXT_TOO_LONG} or {@code CONTENT_FILTERED} is counted as a call and by kind, but is not held
 * against the model. {@code CANCELLED} is not an outcome at all: it only ends the call. Fast
 * failures that send traffic elsewhere ({@code UNAVAILABLE}, {@code TIMEOUT}, {@code
 * RATE_LIMITED}, {@code MALFORMED_RESPONSE}) feed the moving average a penalty sample of at least
 * {@link StatsConfig#failurePenalty()} and at least its current value, so failing fast never looks
 * fast. Percentiles and averages cover successful calls only.
 *
 * <h2>Concurrency</h2>
 *
 * <p>Recording is lock-free and allocation-free: one {@link Ticker} reading, atomic adds into the
 * current bucket's fixed-range {@code AtomicHistogram} and latency sum, a CAS on the in-flight
 * count, and a short monitor around the moving average's fields. A success makes three atomic
 * adds (the histogram's bucket and total count, the sum), not four: the histogram's count is the
 * successes. The histograms and sums are striped by recording thread (see {@code Bucket}), so
 * recorders on different cores write different cache lines; the moving average is published to
 * readers on a line of its own, and only when it moves (see {@code PeakEwma}), so a strategy
 * reading it on every plan does not pull the recorders' line away. The window is a ring of
 * buckets, each tagged with the slice of time it holds; time comes from the {@link Ticker}, so
 * there is no background thread. Recorders find the current bucket through a field that
 * remembers it, without dividing the time. A recorder that finds its bucket tagged with an older
 * slice takes {@link #lock}, folds the old contents into the lifetime totals, clears the bucket
 * and re-tags it — once per bucket length, not per call. Only a recorder that stalled for a whole window could write into a bucket
 * being cleared; its sample would be miscounted, nothing worse.
 *
 * <p>Reads for routing ({@link #p95LatencyNanos()}, {@link #errorRate()}, ...) are volatile reads.
 * Windowed percentiles are merged from the buckets lazily, at most once per {@link
 * StatsConfig#percentileRefresh()}, by whichever reader first finds them stale and wins a {@code
 * tryLock}; other readers return the previous values rather than wait. Counts and the error rate
 * are summed from the buckets' counters on each read (a dozen volatile reads), so they are never
 * stale. {@link #snapshot()} merges everything under the lock and is meant for reports, not the
 * request path.
 */
public final class ModelStats {
  private final Ticker ticker;
  private final StatsConfig config;
  private final long originNanos;
  private final long bucketNanos;
  private final long refreshNanos;
  private final long penaltyNanos;
  private final Bucket[] buckets;
  private final PeakEwma ewma;
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicInteger consecutiveFailures = new AtomicInteger();

  /** Guards bucket rotation, the retired totals and the scratch histograms. */
  private final ReentrantLock lock = new ReentrantLock();
  private final Lifetime retired = new Lifetime();
  private final Histogram windowLatency = LatencyHistograms.scratch();
  private final Histogram windowTimeToFirstToken = LatencyHistograms.scratch();
  private volatile Percentiles percentiles;
  /**
   * The bucket the last recorder that looked it up found; recorders within its slice use it
   * without computing the slice. Tagged buckets only: {@link Bucket#sequence} says which slice.
   */
  private volatile Bucket current;

  public ModelStats(Ticker ticker, StatsConfig config) {
    this.ticker = Objects.requireNonNull(ticker, "ticker must not be null");
    this.config = Objects.requireNonNull(config, "config must not be null");
    this.originNanos = ticker.nanoTime();
    this.bucketNanos = config.bucketNanos();
    this.refreshNanos = config.percentileRefresh().toNanos();
    this.penaltyNanos = LatencyHistograms.clamp(config.failurePenalty().toNanos());
    this.buckets = new Bucket[config.buckets()];
    for (int i = 0; i < buckets.length; i++) {
      buckets[i] = new Bucket();
    }
    this.ewma = new PeakEwma(config.ewmaDecay().toNanos());
    // stale from the start, so the first read computes
    this.percentiles = new Percentiles(originNanos - refreshNanos, 0, 0, 0, 0, 0);
  }

  /** Statistics with {@link StatsConfig#defaults()}. */
  public ModelStats(Ticker ticker) {
    this(ticker, StatsConfig.defaults());
  }

  public StatsConfig config() {
    return config;
  }

  // ---------------------------------------------------------------- recording

  /** A call went out. */
  public void callStarted() {
    inFlight.incrementAndGet();
  }

  /** A non-streaming call answered after {@code latencyNanos}. */
  public void recordSuccess(long latencyNanos) {
    long now = ticker.nanoTime();
    long latency = LatencyHistograms.clamp(latencyNanos);
    bucketAt(now).recordSuccess(latency);
    ewma.observe(latency, now);
    succeeded();
  }

  /**
   * A stream ended normally after {@code totalNanos}. The moving average is not fed here: it took
   * the stream's {@linkplain #recordTimeToFirstToken time to first token}.
   */
  public void recordStreamSuccess(long totalNanos) {
    bucketAt(ticker.nanoTime()).recordSuccess(LatencyHistograms.clamp(totalNanos));
    succeeded();
  }

  /**
   * A stream delivered its first token {@code nanos} after the call started. Feeds the
   * time-to-first-token percentiles and the moving average; the call stays in flight.
   */
  public void recordTimeToFirstToken(long nanos) {
    long now = ticker.nanoTime();
    long ttft = LatencyHistograms.clamp(nanos);
    bucketAt(now).recordTimeToFirstToken(ttft);
    ewma.observe(ttft, now);
  }

  /** A call failed with {@code kind} after {@code latencyNanos}; {@code CANCELLED} only ends it. */
  public void recordFailure(FailureKind kind, long latencyNanos) {
    Objects.requireNonNull(kind, "kind must not be null");
    if (kind == FailureKind.CANCELLED) {
      recordCancelled();
      return;
    }
    long now = ticker.nanoTime();
    boolean modelFault = isModelFault(kind);
    bucketAt(now).recordFailure(kind, modelFault);
    if (modelFault) {
      consecutiveFailures.incrementAndGet();
    }
    if (isPenalised(kind)) {
      ewma.observePenalty(LatencyHistograms.clamp(latencyNanos), penaltyNanos, now);
    }
    callEnded();
  }

  /**
   * A call abandoned after {@code elapsedNanos} because another model answered first (a hedge
   * won). Not an outcome, but its latency is recorded as what it is, a lower bound: leaving it out
   * would hide exactly the slow calls that hedging exists for, and the model's p95 (the hedge
   * delay) would shrink until ordinary calls were hedged too.
   */
  public void recordAbandoned(long elapsedNanos) {
    bucketAt(ticker.nanoTime()).recordAbandoned(LatencyHistograms.clamp(elapsedNanos));
    callEnded();
  }

  /** A call was cancelled (by its caller, a deadline, or a hedge that lost): not an outcome. */
  public void recordCancelled() {
    callEnded();
  }

  /** One call fewer in flight, never below zero; no write at zero (nothing was started). */
  private void callEnded() {
    while (true) {
      int current = inFlight.get();
      if (current <= 0 || inFlight.compareAndSet(current, current - 1)) {
        return;
      }
    }
  }

  private void succeeded() {
    // skip the write in the common case, so healthy models do not bounce the cache line
    if (consecutiveFailures.get() != 0) {
      consecutiveFailures.set(0);
    }
    callEnded();
  }

  /** Whether a failure of this kind is held against the model rather than against the caller. */
  static boolean isModelFault(FailureKind kind) {
    return switch (kind) {
      // OVERLOADED: our own limit of calls in flight refused it; the model never saw the call
      case BAD_REQUEST, CONTEXT_TOO_LONG, CONTENT_FILTERED, CANCELLED, OVERLOADED -> false;
      case UNAVAILABLE, TIMEOUT, RATE_LIMITED, UNAUTHORIZED, MALFORMED_RESPONSE -> true;
    };
  }

  /** Whether a failure of this kind sends traffic elsewhere quickly, and so must not look fast. */
  static boolean isPenalised(FailureKind kind) {
    return switch (kind) {
      // OVERLOADED fails at once: like a 429, it steers traffic elsewhere and must not look fast
      case UNAVAILABLE, RATE_LIMITED, TIMEOUT, MALFORMED_RESPONSE, OVERLOADED -> true;
      case UNAUTHORIZED, BAD_REQUEST, CONTEXT_TOO_LONG, CONTENT_FILTERED, CANCELLED -> false;
    };
  }

  private Bucket bucketAt(long nowNanos) {
    // the common case: still inside the slice the last recorder found, known without a division
    Bucket latest = current;
    if (latest != null) {
      long intoSlice = nowNanos - originNanos - latest.sequence * bucketNanos;
      if (intoSlice >= 0 && intoSlice < bucketNanos) {
        return latest;
      }
    }
    return bucketAtSlowly(nowNanos);
  }

  private Bucket bucketAtSlowly(long nowNanos) {
    long sequence = sequenceAt(nowNanos);
    Bucket bucket = buckets[(int) Math.floorMod(sequence, (long) buckets.length)];
    if (bucket.sequence < sequence) {
      rotate(bucket, sequence);
    }
    if (bucket.sequence == sequence) {
      current = bucket;
    }
    return bucket;
  }

  private void rotate(Bucket bucket, long sequence) {
    lock.lock();
    try {
      if (bucket.sequence < sequence) {
        if (bucket.sequence != Bucket.EMPTY) {
          retired.add(bucket);
        }
        bucket.clear();
        bucket.sequence = sequence;
      }
    } finally {
      lock.unlock();
    }
  }

  private long sequenceAt(long nowNanos) {
    return Math.floorDiv(nowNanos - originNanos, bucketNanos);
  }

  private boolean inWindow(Bucket bucket, long currentSequence) {
    long s = bucket.sequence;
    return s <= currentSequence && s > currentSequence - buckets.length;
  }

  // ---------------------------------------------------------------- cheap reads

  /** Peak-sensitive moving average of latency in nanoseconds; {@code 0} before any sample. */
  public long ewmaLatencyNanos() {
    return ewma.nanos();
  }

  /** Median latency of successful calls over the window; {@code 0} with none. */
  public long p50LatencyNanos() {
    return percentiles().p50;
  }

  /** 95th percentile latency of successful calls over the window; {@code 0} with none. */
  public long p95LatencyNanos() {
    return percentiles().p95;
  }

  /** 99th percentile latency of successful calls over the window; {@code 0} with none. */
  public long p99LatencyNanos() {
    return percentiles().p99;
  }

  /** Median time to first token of streams over the window; {@code 0} with none. */
  public long p50TimeToFirstTokenNanos() {
    return percentiles().ttftP50;
  }

  /** 95th percentile time to first token of streams over the window; {@code 0} with none. */
  public long p95TimeToFirstTokenNanos() {
    return percentiles().ttftP95;
  }

  /** Calls completed over the window (successes and failures of every kind but cancellation). */
  public long windowCalls() {
    long current = sequenceAt(ticker.nanoTime());
    long calls = 0;
    for (Bucket b : buckets) {
      if (inWindow(b, current)) {
        calls += b.calls();
      }
    }
    return calls;
  }

  /** Model failures ÷ calls over the window, in [0, 1]; {@code 0} with no calls. */
  public double errorRate() {
    long current = sequenceAt(ticker.nanoTime());
    long calls = 0;
    long failures = 0;
    for (Bucket b : buckets) {
      if (inWindow(b, current)) {
        // failures first: Bucket counts a call before its failure, so every failure seen has its call
        failures += b.modelFailures.get();
        calls += b.calls();
      }
    }
    return calls == 0 ? 0 : Math.min(1.0, (double) failures / calls);
  }

  /** Calls started and not yet finished. */
  public int inFlight() {
    return inFlight.get();
  }

  /** Model failures since the last success. */
  public int consecutiveFailures() {
    return consecutiveFailures.get();
  }

  private Percentiles percentiles() {
    Percentiles cached = percentiles;
    long now = ticker.nanoTime();
    if (now - cached.computedAtNanos < refreshNanos || !lock.tryLock()) {
      return cached;
    }
    try {
      cached = percentiles;
      if (now - cached.computedAtNanos >= refreshNanos) {
        cached = computePercentiles(now);
        percentiles = cached;
      }
      return cached;
    } finally {
      lock.unlock();
    }
  }

  private Percentiles computePercentiles(long now) {
    long current = sequenceAt(now);
    windowLatency.reset();
    windowTimeToFirstToken.reset();
    for (Bucket b : buckets) {
      if (inWindow(b, current)) {
        b.addLatencyTo(windowLatency);
        b.addTimeToFirstTokenTo(windowTimeToFirstToken);
      }
    }
    return new Percentiles(
        now,
        LatencyHistograms.percentile(windowLatency, 50),
        LatencyHistograms.percentile(windowLatency, 95),
        LatencyHistograms.percentile(windowLatency, 99),
        LatencyHistograms.percentile(windowTimeToFirstToken, 50),
        LatencyHistograms.percentile(windowTimeToFirstToken, 95));
  }

  // ---------------------------------------------------------------- reports

  /** Window and lifetime figures, computed fresh; costs a merge of every bucket. */
  public StatsSnapshot snapshot() {
    long now = ticker.nanoTime();
    long current = sequenceAt(now);
    lock.lock();
    try {
      Lifetime window = new Lifetime();
      Lifetime lifetime = new Lifetime();
      lifetime.add(retired);
      for (Bucket b : buckets) {
        if (b.sequence == Bucket.EMPTY) {
          continue;
        }
        lifetime.add(b);
        if (inWindow(b, current)) {
          window.add(b);
        }
      }
      long sinceOrigin = Math.max(now - originNanos, 0);
      Duration windowSpan = Duration.ofNanos(Math.min(sinceOrigin, config.window().toNanos()));
      return new StatsSnapshot(
          window.toPeriod(windowSpan),
          lifetime.toPeriod(Duration.ofNanos(sinceOrigin)),
          Duration.ofNanos(ewma.nanos()),
          inFlight.get(),
          consecutiveFailures.get(),
          ticker.epochMillis());
    } finally {
      lock.unlock();
    }
  }

  @Override
  public String toString() {
    return "ModelStats{windowCalls=" + windowCalls() + ", errorRate=" + errorRate()
        + ", ewmaNanos=" + ewmaLatencyNanos() + ", inFlight=" + inFlight() + '}';
  }

  private record Percentiles(long computedAtNanos, long p50, long p95, long p99, long ttftP50, long ttftP95) {}

  /** Totals merged from buckets; confined to the thread holding {@link #lock}. */
  private static final class Lifetime {
    private static final FailureKind[] KINDS = FailureKind.values();

    final Histogram latency = LatencyHistograms.scratch();
    final Histogram timeToFirstToken = LatencyHistograms.scratch();
    final long[] failuresByKind = new long[KINDS.length];
    long calls;
    long successes;
    long successNanos;
    long modelFailures;

    void add(Bucket b) {
      b.addLatencyTo(latency);
      b.addTimeToFirstTokenTo(timeToFirstToken);
      modelFailures += b.modelFailures.get();
      long bucketSuccesses = b.successes();
      calls += b.failures.get() + bucketSuccesses;
      successes += bucketSuccesses;
      successNanos += b.successNanos();
      for (int i = 0; i < failuresByKind.length; i++) {
        failuresByKind[i] += b.failuresByKind.get(i);
      }
    }

    void add(Lifetime other) {
      latency.add(other.latency);
      timeToFirstToken.add(other.timeToFirstToken);
      calls += other.calls;
      successes += other.successes;
      successNanos += other.successNanos;
      modelFailures += other.modelFailures;
      for (int i = 0; i < failuresByKind.length; i++) {
        failuresByKind[i] += other.failuresByKind[i];
      }
    }

    StatsSnapshot.PeriodStats toPeriod(Duration span) {
      Map<FailureKind, Long> failures = new EnumMap<>(FailureKind.class);
      for (int i = 0; i < failuresByKind.length; i++) {
        if (failuresByKind[i] > 0) {
          failures.put(KINDS[i], failuresByKind[i]);
        }
      }
      return new StatsSnapshot.PeriodStats(
          span,
          calls,
          successes,
          failures,
          calls == 0 ? 0 : Math.min(1.0, (double) modelFailures / calls),
          Duration.ofNanos(successes == 0 ? 0 : successNanos / successes),
          nanos(latency, 50),
          nanos(latency, 95),
          nanos(latency, 99),
          nanos(timeToFirstToken, 50),
          nanos(timeToFirstToken, 95));
    }

    private static Duration nanos(AbstractHistogram histogram, double percentile) {
      return Duration.ofNanos(LatencyHistograms.percentile(histogram, percentile));
    }
  }
}
