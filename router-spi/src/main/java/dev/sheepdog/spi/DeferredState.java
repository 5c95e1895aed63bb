package dev.sheepdog.spi;

/** Where a deferred request is. Every entry is in exactly one state. */
public enum DeferredState {
  /** Waiting for its next replay. */
  QUEUED,
  /** Replayed successfully; its answer went to the replay callback. */
  DELIVERED,
  /** Given up on after too many failed replays; the reason is kept. */
  DEAD_LETTERED
}
