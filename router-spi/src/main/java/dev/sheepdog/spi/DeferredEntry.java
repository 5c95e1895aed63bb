package dev.sheepdog.spi;

import java.util.Optional;

/**
 * A deferred request and where it stands.
 *
 * @param replays how many replays have failed so far
 * @param nextAttemptAtEpochMillis when it is next due (for {@link DeferredState#QUEUED})
 * @param lastReason why the last replay failed, or why it was dead-lettered
 * @param claim how many times a replayer has claimed the entry; a replayer settles the entry
 *     with the claim number it was given, so a replayer whose lease ended and whose entry was
 *     claimed again cannot settle it a second time
 * @param leaseUntilEpochMillis until when the current claim holds (for {@link
 *     DeferredState#REPLAYING}); 0 otherwise
 * @param answer the replay's answer once {@link DeferredState#DELIVERED}, else {@code null}
 */
public record DeferredEntry(
    DeferredRequest request,
    DeferredState state,
    int replays,
    long nextAttemptAtEpochMillis,
    String lastReason,
    long claim,
    long leaseUntilEpochMillis,
    DeferredAnswer answer) {
  public DeferredEntry {
    Checks.notNull(request, "deferred request");
    Checks.notNull(state, "state");
    lastReason = lastReason == null ? "" : lastReason;
    Checks.notNegative(replays, "replays");
    Checks.notNegative(claim, "claim");
    if (answer != null && state != DeferredState.DELIVERED) {
      throw new IllegalArgumentException("only a delivered entry has an answer, this one is " + state);
    }
  }

  /** An entry that was never claimed. */
  public DeferredEntry(
      DeferredRequest request, DeferredState state, int replays, long nextAttemptAtEpochMillis, String lastReason) {
    this(request, state, replays, nextAttemptAtEpochMillis, lastReason, 0, 0, null);
  }

  /** A request just parked: queued, due at once. */
  public static DeferredEntry queued(DeferredRequest request) {
    return new DeferredEntry(request, DeferredState.QUEUED, 0, request.deferredAtEpochMillis(), "");
  }

  public String id() {
    return request.id();
  }

  /** The answer, once delivered. */
  public Optional<DeferredAnswer> delivered() {
    return Optional.ofNullable(answer);
  }

  /**
   * Whether a replayer may claim the entry at {@code nowEpochMillis}: it is queued (due or not),
   * or it is being replayed under a lease that has ended.
   */
  public boolean claimableAt(long nowEpochMillis) {
    return state == DeferredState.QUEUED
        || (state == DeferredState.REPLAYING && leaseUntilEpochMillis <= nowEpochMillis);
  }

  /** Whether a pass at {@code nowEpochMillis} should replay it: claimable and due. */
  public boolean dueAt(long nowEpochMillis) {
    return state == DeferredState.QUEUED ? nextAttemptAtEpochMillis <= nowEpochMillis : claimableAt(nowEpochMillis);
  }

  /** This entry claimed once more, until {@code leaseUntilEpochMillis}. */
  public DeferredEntry claimed(long leaseUntilEpochMillis) {
    return new DeferredEntry(request, DeferredState.REPLAYING, replays, nextAttemptAtEpochMillis, lastReason,
        claim + 1, leaseUntilEpochMillis, null);
  }

  /** This entry queued again after a replay that failed ({@code counted}) or was put off. */
  public DeferredEntry requeued(String reason, long nextAttemptAtEpochMillis, boolean counted) {
    return new DeferredEntry(request, DeferredState.QUEUED, counted ? replays + 1 : replays, nextAttemptAtEpochMillis,
        reason, claim, 0, null);
  }

  /** This entry delivered with {@code answer}. */
  public DeferredEntry deliveredWith(DeferredAnswer answer) {
    Checks.notNull(answer, "answer");
    return new DeferredEntry(request, DeferredState.DELIVERED, replays, nextAttemptAtEpochMillis, lastReason, claim, 0,
        answer);
  }

  /** This entry given up on, for {@code reason}. */
  public DeferredEntry deadLettered(String reason) {
    return new DeferredEntry(request, DeferredState.DEAD_LETTERED, replays + 1, nextAttemptAtEpochMillis, reason,
        claim, 0, null);
  }
}
