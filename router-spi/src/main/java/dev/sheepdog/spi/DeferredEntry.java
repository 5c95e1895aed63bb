package dev.sheepdog.spi;

/**
 * A deferred request and where it stands.
 *
 * @param replays how many replays have failed so far
 * @param nextAttemptAtEpochMillis when it is next due (for {@link DeferredState#QUEUED})
 * @param lastReason why the last replay failed, or why it was dead-lettered
 */
public record DeferredEntry(
    DeferredRequest request, DeferredState state, int replays, long nextAttemptAtEpochMillis, String lastReason) {
  public DeferredEntry {
    Checks.notNull(request, "deferred request");
    Checks.notNull(state, "state");
    lastReason = lastReason == null ? "" : lastReason;
  }

  public String id() {
    return request.id();
  }
}
