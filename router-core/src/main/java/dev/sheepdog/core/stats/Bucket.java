package dev.sheepdog.core.stats;

import dev.sheepdog.spi.FailureKind;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import org.HdrHistogram.AbstractHistogram;
import org.HdrHistogram.AtomicHistogram;

/**
 * One slice of the statistics window. Recorders write with atomic increments only; {@link
 * ModelStats} clears a bucket (under its lock) when the bucket comes round again, and publishes
 * the slice the bucket now covers through the volatile {@link #sequence} after clearing it.
 *
 * <p>Latencies and their sums are striped: each recording thread writes the {@link Stripe} its
 * thread id picks, so recorders on different cores do not fight over the histograms' total counts
 * and the sums' cache lines. Readers add the stripes up. The first stripe is made up front; any
 * other by the first thread that picks it, once for the life of the model (buckets are reused,
 * stripes with them), so a model recorded from few threads does not pay for every stripe. A
 * stripe holds two histograms of about 27 KB each.
 */
final class Bucket {
  static final long EMPTY = Long.MIN_VALUE;
  private static final int KINDS = FailureKind.values().length;
  /** A power of two: the processors, rounded up, at most 4. */
  static final int STRIPES =
      Math.min(4, Integer.highestOneBit(Math.max(1, Runtime.getRuntime().availableProcessors() * 2 - 1)));

  private static final VarHandle STRIPE = MethodHandles.arrayElementVarHandle(Stripe[].class);

  /** Which slice of time this bucket holds: {@code floor((now - origin) / bucketNanos)}. */
  volatile long sequence = EMPTY;

  /** Made on first use, never removed; read with acquire. */
  private final Stripe[] stripes = new Stripe[STRIPES];
  /** Failures of every kind; with the successes, the calls. */
  final AtomicLong failures = new AtomicLong();
  /** Failures that say something about the model; the numerator of the error rate. */
  final AtomicLong modelFailures = new AtomicLong();
  final AtomicLongArray failuresByKind = new AtomicLongArray(KINDS);

  Bucket() {
    stripes[0] = new Stripe();
  }

  /** The recording thread's stripe. */
  private Stripe stripe() {
    int index = (int) Thread.currentThread().getId() & (STRIPES - 1);
    Stripe stripe = (Stripe) STRIPE.getAcquire(stripes, index);
    return stripe != null ? stripe : newStripe(index);
  }

  private Stripe newStripe(int index) {
    Stripe made = new Stripe();
    Stripe witness = (Stripe) STRIPE.compareAndExchangeRelease(stripes, index, null, made);
    return witness == null ? made : witness;
  }

  private Stripe stripeAt(int index) {
    return (Stripe) STRIPE.getAcquire(stripes, index);
  }

  void recordSuccess(long latencyNanos) {
    Stripe stripe = stripe();
    stripe.latency.recordValue(latencyNanos);
    stripe.successNanos.getAndAdd(latencyNanos);
  }

  /** A latency that is not a success: recorded first, counted as abandoned after. */
  void recordAbandoned(long latencyNanos) {
    Stripe stripe = stripe();
    stripe.latency.recordValue(latencyNanos);
    stripe.abandoned.incrementAndGet();
  }

  void recordTimeToFirstToken(long nanos) {
    stripe().timeToFirstToken.recordValue(nanos);
  }

  void recordFailure(FailureKind kind, boolean modelFault) {
    // counted as a call before it is a model failure: a reader that reads modelFailures first and
    // calls() after sees every model failure's call (errorRate <= 1)
    failures.incrementAndGet();
    failuresByKind.incrementAndGet(kind.ordinal());
    if (modelFault) {
      modelFailures.incrementAndGet();
    }
  }

  /**
   * Successes in this bucket: latencies recorded less the abandoned ones. Each stripe's abandoned
   * count is read before its histogram's: an abandoned latency is recorded before it is counted,
   * so a racing read can see one success too many for a moment, never one too few (the calls
   * never fall below the failures).
   */
  long successes() {
    long successes = 0;
    for (int i = 0; i < STRIPES; i++) {
      Stripe stripe = stripeAt(i);
      if (stripe != null) {
        long notSuccesses = stripe.abandoned.get();
        successes += stripe.latency.getTotalCount() - notSuccesses;
      }
    }
    return successes;
  }

  /** Sum of the successes' latencies. */
  long successNanos() {
    long sum = 0;
    for (int i = 0; i < STRIPES; i++) {
      Stripe stripe = stripeAt(i);
      if (stripe != null) {
        sum += stripe.successNanos.get();
      }
    }
    return sum;
  }

  /** Calls completed in this bucket: successes and failures of every kind. */
  long calls() {
    return failures.get() + successes();
  }

  /** Adds this bucket's latencies (successes and abandoned calls) into {@code into}. */
  void addLatencyTo(AbstractHistogram into) {
    for (int i = 0; i < STRIPES; i++) {
      Stripe stripe = stripeAt(i);
      if (stripe != null) {
        into.add(stripe.latency);
      }
    }
  }

  /** Adds this bucket's times to first token into {@code into}. */
  void addTimeToFirstTokenTo(AbstractHistogram into) {
    for (int i = 0; i < STRIPES; i++) {
      Stripe stripe = stripeAt(i);
      if (stripe != null) {
        into.add(stripe.timeToFirstToken);
      }
    }
  }

  void clear() {
    for (int i = 0; i < STRIPES; i++) {
      Stripe stripe = stripeAt(i);
      if (stripe != null) {
        stripe.clear();
      }
    }
    failures.set(0);
    modelFailures.set(0);
    for (int i = 0; i < KINDS; i++) {
      failuresByKind.set(i, 0);
    }
  }

  /**
   * What one group of recording threads writes. The histograms' counts arrays (27 KB each) are
   * allocated between one stripe's counters and the next's, which keeps them off each other's
   * cache lines.
   */
  private static final class Stripe {
    final AtomicLong successNanos = new AtomicLong();
    /**
     * Latencies in {@link #latency} that are not successes (abandoned hedges): the successes are
     * the latency histogram's count less these, so a success writes no counter of its own.
     */
    final AtomicLong abandoned = new AtomicLong();
    final AtomicHistogram latency = LatencyHistograms.concurrent();
    final AtomicHistogram timeToFirstToken = LatencyHistograms.concurrent();

    void clear() {
      latency.reset();
      timeToFirstToken.reset();
      successNanos.set(0);
      abandoned.set(0);
    }
  }
}
