package dev.sheepdog.core.state;

import dev.sheepdog.core.deferred.InMemoryDeferredQueue;
import dev.sheepdog.spi.DeferredQueue;
import dev.sheepdog.spi.SpendStore;
import dev.sheepdog.spi.StateStore;

/**
 * State kept in memory, lost with the process: an {@link InMemorySpendStore} and an {@link
 * InMemoryDeferredQueue}. What the gateway runs with {@code state.store: memory}, and what tests
 * use to build a second router on the state of a first.
 */
public final class InMemoryStateStore implements StateStore {
  private final InMemorySpendStore spend = new InMemorySpendStore();
  private final InMemoryDeferredQueue deferred;

  public InMemoryStateStore(int deferredCapacity, int deferredRetention) {
    this.deferred = new InMemoryDeferredQueue(deferredCapacity, deferredRetention);
  }

  public InMemoryStateStore() {
    this(InMemoryDeferredQueue.DEFAULT_CAPACITY, InMemoryDeferredQueue.DEFAULT_TERMINAL_RETENTION);
  }

  @Override
  public SpendStore spend() {
    return spend;
  }

  @Override
  public DeferredQueue deferred() {
    return deferred;
  }

  @Override
  public void flush() {}

  @Override
  public StoreHealth health() {
    return StoreHealth.HEALTHY;
  }

  @Override
  public String describe() {
    return "memory (lost on restart)";
  }

  @Override
  public void close() {}
}
