package dev.sheepdog.core.deferred;

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
  public void markDelivered(String id) {
    delegate.markDelivered(id);
  }

  @Override
  public void markFailed(String id, String reason, long nextAttemptAtEpochMillis) {
    delegate.markFailed(id, reason, nextAttemptAtEpochMillis);
  }

  @Override
  public void markDeadLettered(String id, String reason) {
    delegate.markDeadLettered(id, reason);
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
}
