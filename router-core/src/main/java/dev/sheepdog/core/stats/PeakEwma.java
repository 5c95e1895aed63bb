package dev.sheepdog.core.stats;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A peak-sensitive exponentially weighted moving average of latency, after Finagle's
 * {@code PeakEwma}: a sample above the average replaces it at once, so a model that turns slow is
 * seen as slow on the next call; a sample below it pulls the average down with weight
 * {@code 1 - exp(-elapsed / decay)}, so recovery is believed only as time passes.
 *
 * <p>The average and its time stamp change together, so updates take a monitor; the section is a
 * handful of arithmetic operations. Unlike Finagle the average does not decay on read: here
 * {@code 0} means "no sample yet", and an idle model keeps the last estimate it earned.
 *
 * <h2>Publication</h2>
 *
 * <p>Readers (strategies, on every plan) read a published copy of the average that sits on a cache
 * line of its own, so reading it never contends with the recorders' monitor. A new average is
 * published when it moves by at least 1/4096 of the published one, or when at least {@value
 * #PUBLISH_INTERVAL_NANOS} ns have passed since the last publication. Samples arriving at the rate
 * of real calls are therefore published one by one, exactly; only a burst of samples closer than a
 * microsecond leaves the published value behind, by less than 1/4096 (0.025 %), until the next
 * sample. Without this rule every sample would pull the line away from every reading core.
 */
final class PeakEwma {
  /** Samples at least this far apart (in their own clock) are always published. */
  static final long PUBLISH_INTERVAL_NANOS = 1_000L;

  private static final VarHandle CELL = MethodHandles.arrayElementVarHandle(long[].class);
  /**
   * Where {@link #published} sits in its array: 64 bytes of array on either side keep any other
   * object's fields off its cache line.
   */
  private static final int SLOT = 8;

  private final double decayNanos;
  private final Object lock = new Object();
  private double average; // guarded by lock
  private long stampNanos; // guarded by lock
  private long publishedValue; // guarded by lock: what the cell holds
  private long publishedAtNanos; // guarded by lock
  /** The published average, at {@link #SLOT}; written with release, read with acquire. */
  private final long[] published = new long[2 * SLOT + 1];

  PeakEwma(long decayNanos) {
    this.decayNanos = decayNanos;
  }

  void observe(long sampleNanos, long nowNanos) {
    synchronized (lock) {
      update(sampleNanos, nowNanos);
    }
  }

  /** Observes a fast failure as at least {@code penaltyNanos} and never below the current average. */
  void observePenalty(long latencyNanos, long penaltyNanos, long nowNanos) {
    synchronized (lock) {
      update(Math.max(Math.max(latencyNanos, penaltyNanos), (long) Math.ceil(average)), nowNanos);
    }
  }

  /**
   * {@code exp(-x)}. Samples arriving close together (x below 1/1000 of the decay) take the
   * Taylor series to the third power, within 1e-13 of it and several times cheaper than {@link
   * Math#exp}; the rest take {@code Math.exp}.
   */
  static double decayWeight(double x) {
    if (x < 1e-3) {
      return 1 - x * (1 - x * (0.5 - x / 6));
    }
    return Math.exp(-x);
  }

  long nanos() {
    return (long) CELL.getAcquire(published, SLOT);
  }

  private void update(long sampleNanos, long nowNanos) {
    double sample = sampleNanos;
    if (sample > average) {
      average = sample;
    } else {
      long elapsed = Math.max(nowNanos - stampNanos, 0);
      double w = decayWeight(elapsed / decayNanos);
      average = average * w + sample * (1 - w);
    }
    stampNanos = Math.max(stampNanos, nowNanos);
    long rounded = Math.round(average);
    long old = publishedValue;
    if (rounded != old
        && (Math.abs(rounded - old) >= (old >>> 12) || nowNanos - publishedAtNanos >= PUBLISH_INTERVAL_NANOS)) {
      publishedValue = rounded;
      publishedAtNanos = nowNanos;
      CELL.setRelease(published, SLOT, rounded);
    }
  }
}
