package dev.sheepdog.gateway.demo;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * What the demo's clients saw, counted from the HTTP answers: the user's side of the story, next to
 * the router's own events. Thread-safe; updated from the HTTP client's threads.
 */
final class ClientTally {
  /** The status recorded for a request that got no HTTP answer at all. */
  static final int NO_ANSWER = 0;

  private final LongAdder sent = new LongAdder();
  private final LongAdder succeeded = new LongAdder();
  private final LongAdder streamsWhole = new LongAdder();
  private final LongAdder streamsBroken = new LongAdder();
  private final AtomicLong inFlight = new AtomicLong();
  private final Map<Integer, LongAdder> failuresByStatus = new ConcurrentHashMap<>();

  void sent() {
    sent.increment();
    inFlight.incrementAndGet();
  }

  /** A complete answer (200), or a stream that ended with {@code [DONE]}. */
  void succeeded(boolean stream) {
    inFlight.decrementAndGet();
    succeeded.increment();
    if (stream) {
      streamsWhole.increment();
    }
  }

  /** An error answer, by status; {@link #NO_ANSWER} when the connection failed. */
  void failed(int status) {
    inFlight.decrementAndGet();
    failuresByStatus.computeIfAbsent(status, s -> new LongAdder()).increment();
  }

  /** A stream that started but ended with an error event or without {@code [DONE]}. */
  void streamBroken() {
    inFlight.decrementAndGet();
    streamsBroken.increment();
    failuresByStatus.computeIfAbsent(200, s -> new LongAdder()).increment();
  }

  Snapshot snapshot() {
    Map<Integer, Long> failures = new TreeMap<>();
    failuresByStatus.forEach((status, count) -> failures.put(status, count.sum()));
    long ok = succeeded.sum();
    long failed = failures.values().stream().mapToLong(Long::longValue).sum();
    return new Snapshot(sent.sum(), ok, failed, Math.max(0, inFlight.get()), streamsWhole.sum(),
        streamsBroken.sum(), Map.copyOf(failures));
  }

  /**
   * The counts at one moment.
   *
   * @param sent requests sent
   * @param succeeded requests answered in full
   * @param failed requests that ended in an error (or a broken stream)
   * @param inFlight requests sent and not yet finished
   * @param streamsWhole streams that ended with {@code [DONE]}
   * @param streamsBroken streams that started and then broke
   * @param failuresByStatus failed requests by HTTP status ({@code 0}: no answer; {@code 200}: a
   *     broken stream)
   */
  record Snapshot(long sent, long succeeded, long failed, long inFlight, long streamsWhole, long streamsBroken,
      Map<Integer, Long> failuresByStatus) {

    /** Answered ÷ finished, or 1 before anything finished. */
    double successRate() {
      long finished = succeeded + failed;
      return finished == 0 ? 1 : (double) succeeded / finished;
    }
  }
}
