package dev.sheepdog.spi;

import java.util.Optional;

/**
 * What must outlive a process, in one place: the spend counters (and with them the daily budgets)
 * and the deferred requests with their answers. The router and the gateway take their {@link
 * SpendStore} and {@link DeferredQueue} from here; the in-memory store in {@code router-core} keeps
 * today's behaviour, a file store keeps them across restarts, a shared store across instances.
 */
public interface StateStore extends AutoCloseable {
  SpendStore spend();

  DeferredQueue deferred();

  /**
   * The state this store shares with other instances (limits, the day's spend for budgets,
   * circuits); empty for a store that one process owns.
   */
  default Optional<SharedState> shared() {
    return Optional.empty();
  }

  /** Makes everything accepted so far durable, waiting for it; what a clean shutdown calls. */
  void flush();

  /** Whether writes are failing now, and how many have. */
  StoreHealth health();

  /** Where the state lives, for logs and {@code check-config}; never a secret. */
  String describe();

  /** Flushes, then releases the store. */
  @Override
  void close();

  /**
   * How a store is doing.
   *
   * @param degraded whether its latest write failed (it keeps what it could not write and retries)
   * @param failedWrites writes that failed since start
   * @param pendingSpendRows spend counters accepted and not yet written
   * @param lastError what the latest failure was, without secrets; empty when none
   */
  record StoreHealth(boolean degraded, long failedWrites, long pendingSpendRows, String lastError) {
    public static final StoreHealth HEALTHY = new StoreHealth(false, 0, 0, "");

    public StoreHealth {
      lastError = lastError == null ? "" : lastError;
    }
  }
}
