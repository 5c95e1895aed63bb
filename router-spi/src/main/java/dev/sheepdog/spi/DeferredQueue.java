package dev.sheepdog.spi;

import java.util.List;
import java.util.Optional;

/**
 * Where requests that failed everywhere wait to be replayed. The in-memory bounded queue in
 * {@code router-core} is the default; a durable store implements the same port.
 *
 * <p>Every entry is in exactly one {@link DeferredState} and can be looked up by id until the
 * implementation's retention drops it. Implementations are thread-safe.
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
   * Queued entries due at {@code nowEpochMillis}, oldest first, at most {@code max}. They stay
   * {@code QUEUED} until marked; a durable queue may hand an entry out again after a crash
   * (at-least-once).
   */
  List<DeferredEntry> due(long nowEpochMillis, int max);

  /** The replay answered: the entry becomes {@code DELIVERED}. */
  void markDelivered(String id);

  /** The replay failed: the entry stays {@code QUEUED}, due again at the given time. */
  void markFailed(String id, String reason, long nextAttemptAtEpochMillis);

  /** The entry is given up on: it becomes {@code DEAD_LETTERED} with the reason. */
  void markDeadLettered(String id, String reason);

  Optional<DeferredEntry> find(String id);

  /** All entries the queue still holds, in every state, oldest first. */
  List<DeferredEntry> entries();

  /** How many entries are {@code QUEUED}. */
  int queued();
}
