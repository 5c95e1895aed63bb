package dev.sheepdog.core.stats;

/**
 * A peak-sensitive exponentially weighted moving average of latency, after Finagle's
 * {@code PeakEwma}: a sample above the average replaces it at once, so a model that turns slow is
 * seen as slow on the next call; a sample below it pulls the average down with weight
 * {@code 1 - exp(-elapsed / decay)}, so recovery is believed only as time passes.
 *
 * <p>The average and its time stamp change together, so updates take a monitor; the section is a
 * handful of arithmetic operations. Reads are a single volatile read of the published value.
 * Unlike Finagle the average does not decay on read: here {@code 0} means "no sample yet", and an
 * idle model keeps the last estimate it earned.
 */
final class PeakEwma {
  private final double decayNanos;
  private final Object lock = new Object();
  private double average; // guarded by lock
  private long stampNanos; // guarded by lock
  private volatile long published;

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
    return published;
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
    published = Math.round(average);
  }
}
