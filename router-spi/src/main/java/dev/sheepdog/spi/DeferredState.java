package dev.sheepdog.spi;

/**
 * Where a deferred request is. Every entry is in exactly one state; it moves only forward, except
 * that a failed replay puts a {@code REPLAYING} entry back to {@code QUEUED}:
 *
 * <pre>
 * QUEUED ──claim──▶ REPLAYING ──answer──▶ DELIVERED
 *    ▲                 │  │
 *    └──failed/lease───┘  └──last failure──▶ DEAD_LETTERED
 * </pre>
 */
public enum DeferredState {
  /** Waiting for its next replay. */
  QUEUED,
  /**
   * Claimed by a replayer until its lease ends. A replayer that dies mid-replay leaves the entry
   * here; once the lease has ended another replayer claims it again.
   */
  REPLAYING,
  /** Replayed successfully; the answer is kept with the entry. */
  DELIVERED,
  /** Given up on after too many failed replays; the reason is kept. */
  DEAD_LETTERED;

  /** Whether the entry is settled for good: delivered or dead-lettered. */
  public boolean isTerminal() {
    return this == DELIVERED || this == DEAD_LETTERED;
  }
}
