package dev.sheepdog.core.deferred;

import dev.sheepdog.spi.DeferredEntry;

/**
 * Hears what became of replayed requests. Called on the thread that completed the replay; be fast
 * and do not throw (what is thrown is dropped).
 *
 * @param <R> the replay's answer, such as the router's response
 */
public interface DeferredReplayListener<R> {
  /** The entry's replay answered; it is now {@code DELIVERED}. Called once per entry. */
  void onDelivered(DeferredEntry entry, R result);

  /** The entry failed its last allowed replay; it is now {@code DEAD_LETTERED}. */
  void onDeadLettered(DeferredEntry entry, String reason);

  /** A replay failed and the entry waits for the next one; nothing to do by default. */
  default void onReplayFailed(DeferredEntry entry, String reason) {}
}
