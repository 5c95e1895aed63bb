package dev.sheepdog.core.stats;

import dev.sheepdog.spi.FailureKind;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import org.HdrHistogram.AtomicHistogram;

/**
 * One slice of the statistics window. Recorders write with atomic increments only; {@link
 * ModelStats} clears a bucket (under its lock) when the bucket comes round again, and publishes
 * the slice the bucket now covers through the volatile {@link #sequence} after clearing it.
 */
final class Bucket {
  static final long EMPTY = Long.MIN_VALUE;
  private static final int KINDS = FailureKind.values().length;

  /** Which slice of time this bucket holds: {@code floor((now - origin) / bucketNanos)}. */
  volatile long sequence = EMPTY;

  final AtomicHistogram latency = LatencyHistograms.concurrent();
  final AtomicHistogram timeToFirstToken = LatencyHistograms.concurrent();
  /**
   * Latencies in {@link #latency} that are not successes (abandoned hedges): the successes are the
   * latency histogram's count less these, so a success writes no counter of its own.
   */
  final AtomicLong abandoned = new AtomicLong();
  /** Failures of every kind; with the successes, the calls. */
  final AtomicLong failures = new AtomicLong();
  final AtomicLong successNanos = new AtomicLong();
  /** Failures that say something about the model; the numerator of the error rate. */
  final AtomicLong modelFailures = new AtomicLong();
  final AtomicLongArray failuresByKind = new AtomicLongArray(KINDS);

  void recordSuccess(long latencyNanos) {
    latency.recordValue(latencyNanos);
    successNanos.getAndAdd(latencyNanos);
  }

  /** A latency that is not a success: recorded first, counted as abandoned after. */
  void recordAbandoned(long latencyNanos) {
    latency.recordValue(latencyNanos);
    abandoned.incrementAndGet();
  }

  /**
   * Successes in this bucket. The abandoned count is read before the histogram's: an abandoned
   * latency is recorded before it is counted, so a racing read can see one success too many for a
   * moment, never one too few (the calls never fall below the failures).
   */
  long successes() {
    long notSuccesses = abandoned.get();
    return latency.getTotalCount() - notSuccesses;
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

  /** Calls completed in this bucket: successes and failures of every kind. */
  long calls() {
    return failures.get() + successes();
  }

  void clear() {
    latency.reset();
    timeToFirstToken.reset();
    failures.set(0);
    abandoned.set(0);
    successNanos.set(0);
    modelFailures.set(0);
    for (int i = 0; i < KINDS; i++) {
      failuresByKind.set(i, 0);
    }
  }
}
