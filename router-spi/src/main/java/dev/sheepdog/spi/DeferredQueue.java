package dev.sheepdog.spi;

import java.util.List;
import java.util.Optional;

/**
 * Where requests that failed everywhere wait to be replayed, and where their answers are kept once
 * a replay delivered them. The in-memory bounded queue in {@code router-core} is the default; a
 * durable store (a file, a shared server) implements the same port.
 *
 * <p><b>States.</b> Every entry is in exactly one {@link DeferredState} and can be looked up by id
 * until the implementation's retention drops it. An entry is offered {@code QUEUED}; a replayer
 * {@linkplain #claim claims} it, which makes it {@code REPLAYING} under a lease; it settles the
 * entry with the claim number it was given: {@code DELIVERED} with the answer, {@code QUEUED}
 * again, or {@code DEAD_LETTERED}. A settle call whose claim is no longer the entry's (the lease
 * ended and another replayer claimed it, or the entry is settled already) changes nothing and
 * returns {@code false}: however many replayers race, and across crashes, an entry is delivered at
 * most once, and the answer kept is the first one settled.
 *
 * <p><b>Durability.</b> A durable implementation has the entry on disk (or in its server) before
 * {@link #offer} returns {@code true}, since the caller then tells its client the id. Implementations
 * are thread-safe; their methods may do I/O, never on a request's hot path (a request is offered
 * only after it failed everywhere).
 */
public interface DeferredQueue {
  /**
   * Parks a request. Returns {@code false} when the queue will not take it (it is full, or the
   * request's owner has reached a quota): the request was not deferred and the caller must be told
   * so. Never drops silently.
   */
  boolean offer(DeferredRequest request);

  /**
   * Parks a request like {@link #offer}, and when it was not parked says why, in a short phrase
   * for the caller ("the deferred queue is full"); empty when it was parked. The router defers
   * through this method. The default calls {@link #offer}; a queue that refuses for more than one
   * reason overrides it.
   */
  default Optional<String> offerOrRefusal(DeferredRequest request) {
    return offer(request) ? Optional.empty() : Optional.of("the deferred queue is full");
  }

  /**
   * Entries a replay pass should take at {@code nowEpochMillis}, oldest first, at most {@code max}:
   * those {@linkplain DeferredEntry#dueAt due}, which includes entries whose replayer's lease has
   * ended. Listing claims nothing: a pass {@linkplain #claim claims} each entry before replaying it.
   */
  List<DeferredEntry> due(long nowEpochMillis, int max);

  /**
   * Claims an entry for a replay, atomically: a {@code QUEUED} entry (due or not) or a {@code
   * REPLAYING} one whose lease has ended becomes {@code REPLAYING} until {@code
   * leaseUntilEpochMillis}, with its claim number one higher. Returns the claimed entry, or empty
   * when there is no such entry or it is not claimable (settled, or under a lease still running).
   */
  Optional<DeferredEntry> claim(String id, long nowEpochMillis, long leaseUntilEpochMillis);

  /**
   * The replay of claim {@code claim} answered: the entry becomes {@code DELIVERED} with the
   * answer. Returns {@code false}, changing nothing, when that claim is no longer the entry's.
   */
  boolean markDelivered(String id, long claim, DeferredAnswer answer);

  /**
   * The replay of claim {@code claim} failed: the entry is {@code QUEUED} again, one more failed
   * replay counted, due at {@code nextAttemptAtEpochMillis}. {@code false} when the claim is stale.
   */
  boolean markFailed(String id, long claim, String reason, long nextAttemptAtEpochMillis);

  /**
   * The replay of claim {@code claim} could not be tried (no model would take it yet): the entry is
   * {@code QUEUED} again, due at {@code nextAttemptAtEpochMillis}, without counting a failed
   * replay. {@code false} when the claim is stale.
   */
  boolean release(String id, long claim, String reason, long nextAttemptAtEpochMillis);

  /**
   * The replay of claim {@code claim} failed for the last time: the entry is {@code
   * DEAD_LETTERED} with the reason, that failure counted. {@code false} when the claim is stale.
   */
  boolean markDeadLettered(String id, long claim, String reason);

  Optional<DeferredEntry> find(String id);

  /** All entries the queue still holds, in every state, oldest first. */
  List<DeferredEntry> entries();

  /** How many entries are not settled yet: {@code QUEUED} or {@code REPLAYING}. */
  int queued();

  /**
   * When the next pass has something to do: the earliest next attempt of a {@code QUEUED} entry or
   * lease end of a {@code REPLAYING} one; {@link Long#MAX_VALUE} when no entry is unsettled. The
   * default walks {@link #entries()}; a store that can ask its index overrides it, since automatic
   * replay asks after every pass.
   */
  default long nextDueAtEpochMillis() {
    long earliest = Long.MAX_VALUE;
    for (DeferredEntry entry : entries()) {
      if (entry.state() == DeferredState.QUEUED) {
        earliest = Math.min(earliest, entry.nextAttemptAtEpochMillis());
      } else if (entry.state() == DeferredState.REPLAYING) {
        earliest = Math.min(earliest, entry.leaseUntilEpochMillis());
      }
    }
    return earliest;
  }
}
