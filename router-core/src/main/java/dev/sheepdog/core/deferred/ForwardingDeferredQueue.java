package dev.sheepdog.core.deferred;

import dev.sheepdog.spi.DeferredAnswer;
import dev.sheepdog.spi.DeferredEntry;
import dev.sheepdog.spi.DeferredQueue;
import dev.sheepdog.spi.DeferredRequest;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A {@link DeferredQueue} that hands every call to another: the base of decorators (a quota, a
 * metric, a test's hook), which override what they add to. {@link #offerOrRefusal} is left to the
 * port's default, which calls {@link #offer}, so a decorator of {@code offer} sees every offer; one
 * that has its own reasons to refuse overrides both.
 */
public abstract class ForwardingDeferredQueue implements DeferredQueue {
  private final DeferredQueue delegate;

  protected ForwardingDeferredQueue(DeferredQueue delegate) {
    this.delegate = Objects.requireNonNull(delegate, "delegate");
  }

  /** The queue calls are handed to. */
  protected final DeferredQueue delegate() {
    return delegate;
  }

  @Override
  public boolean offer(DeferredRequest request) {
    return delegate.offer(request);
  }

  @Override
  public List<DeferredEntry> due(long nowEpochMillis, int max) {
    return delegate.due(nowEpochMillis, max);
  }

  @Override
  public Optional<DeferredEntry> claim(String id, long nowEpochMillis, long leaseUntilEpochMillis) {
    return delegate.claim(id, nowEpochMillis, leaseUntilEpochMillis);
  }

  @Override
  public boolean markDelivered(String id, long claim, DeferredAnswer answer) {
    return delegate.markDelivered(id, claim, answer);
  }

  @Override
  public boolean markFailed(String id, long claim, String reason, long nextAttemptAtEpochMillis) {
    return delegate.markFailed(id, claim, reason, nextAttemptAtEpochMillis);
  }

  @Override
  public boolean release(String id, long claim, String reason, long nextAttemptAtEpochMillis) {
    return delegate.release(id, claim, reason, nextAttemptAtEpochMillis);
  }

  @Override
  public boolean markDeadLettered(String id, long claim, String reason) {
    return delegate.markDeadLettered(id, claim, reason);
  }

  @Override
  public Optional<DeferredEntry> find(String id) {
    return delegate.find(id);
  }

  @Override
  public List<DeferredEntry> entries() {
    return delegate.entries();
  }

  @Override
  public int queued() {
    return delegate.queued();
  }

  @Override
  public long nextDueAtEpochMillis() {
    return delegate.nextDueAtEpochMillis();
  }
}
