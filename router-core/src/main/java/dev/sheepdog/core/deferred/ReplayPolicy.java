package dev.sheepdog.core.deferred;

import java.time.Duration;
import java.util.Objects;

/**
 * How deferred requests are replayed.
 *
 * @param initialBackoff the wait after the first failed replay; doubles after each further one
 * @param maxBackoff the longest wait between replays of one entry
 * @param maxReplays failed replays after which an entry is dead-lettered
 * @param batchSize the most entries one pass replays
 * @param idlePoll how often automatic replay looks at an empty queue, for requests offered to the
 *     queue directly rather than through {@link DeferredReplayer#defer}
 * @param lease how long a replayer holds an entry it claimed; after that another replayer (another
 *     process, after a crash) may claim it again. Longer than a replay's deadline.
 */
public record ReplayPolicy(
    Duration initialBackoff, Duration maxBackoff, int maxReplays, int batchSize, Duration idlePoll, Duration lease) {
  /**
   * 5 s doubling to 5 min, dead-letter after 5 failed replays, 100 a pass, idle poll 30 s, lease
   * 5 min.
   */
  public static final ReplayPolicy DEFAULT = new ReplayPolicy(
      Duration.ofSeconds(5), Duration.ofMinutes(5), 5, 100, Duration.ofSeconds(30), Duration.ofMinutes(5));

  public ReplayPolicy {
    positive(initialBackoff, "initial backoff");
    positive(maxBackoff, "max backoff");
    positive(idlePoll, "idle poll");
    positive(lease, "lease");
    if (maxBackoff.compareTo(initialBackoff) < 0) {
      throw new IllegalArgumentException("max backoff " + maxBackoff + " must not be below initial backoff " + initialBackoff);
    }
    if (maxReplays < 1) {
      throw new IllegalArgumentException("max replays must be at least 1, was " + maxReplays);
    }
    if (batchSize < 1) {
      throw new IllegalArgumentException("batch size must be at least 1, was " + batchSize);
    }
  }

  private static void positive(Duration d, String field) {
    Objects.requireNonNull(d, field + " must not be null");
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(field + " must be positive, was " + d);
    }
  }

  public ReplayPolicy withMaxReplays(int maxReplays) {
    return new ReplayPolicy(initialBackoff, maxBackoff, maxReplays, batchSize, idlePoll, lease);
  }

  public ReplayPolicy withBackoff(Duration initialBackoff, Duration maxBackoff) {
    return new ReplayPolicy(initialBackoff, maxBackoff, maxReplays, batchSize, idlePoll, lease);
  }

  public ReplayPolicy withLease(Duration lease) {
    return new ReplayPolicy(initialBackoff, maxBackoff, maxReplays, batchSize, idlePoll, lease);
  }

  /** The wait after {@code failedReplays} failures: initial × 2^(failures − 1), capped. */
  public Duration backoffAfter(int failedReplays) {
    if (failedReplays < 1) {
      return Duration.ZERO;
    }
    long initial = initialBackoff.toMillis();
    int shift = Math.min(failedReplays - 1, 30);
    long millis = initial > (Long.MAX_VALUE >> shift) ? Long.MAX_VALUE : initial << shift;
    return Duration.ofMillis(Math.min(millis, maxBackoff.toMillis()));
  }
}
