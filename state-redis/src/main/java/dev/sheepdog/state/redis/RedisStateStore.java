package dev.sheepdog.state.redis;

import dev.sheepdog.spi.DeferredQueue;
import dev.sheepdog.spi.RouterListener;
import dev.sheepdog.spi.SharedState;
import dev.sheepdog.spi.SpendStore;
import dev.sheepdog.spi.StateStore;
import dev.sheepdog.spi.Ticker;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * The state several gateway instances share, in Redis: the fleet's rate limits, the day's spend
 * that budgets are checked against, circuits and probe counts ({@link #shared()}), the spend ledger's
 * counters ({@link #spend()}) and the deferred requests ({@link #deferred()}), all through one
 * Lettuce connection with bounded waits and a breaker of its own ({@link RedisLink}).
 *
 * <pre>{@code
 * RedisStateStore state = RedisStateStore.open(RedisSettings.of("redis://redis.internal:6379/0"),
 *     10_000, 1_000, listener, Ticker.system());
 * Router router = Router.builder().catalog(catalog).provider(provider).state(state)
 *     .fleet(FleetSettings.DEFAULTS.withInstances(2)).build();
 * }</pre>
 *
 * <p>Opening never fails because Redis is not there: the store starts degraded, says so through
 * the listener's {@code STATE_STORE_FAILING} alert and its {@link #health()}, and connects in the
 * background; the router meanwhile uses its local fallbacks.
 */
public final class RedisStateStore implements StateStore {
  private final RedisLink link;
  private final RedisSpendStore spend;
  private final RedisSharedState shared;
  private final RedisDeferredQueue deferred;

  private RedisStateStore(RedisLink link, RedisSpendStore spend, RedisSharedState shared,
      RedisDeferredQueue deferred) {
    this.link = link;
    this.spend = spend;
    this.shared = shared;
    this.deferred = deferred;
  }

  /**
   * Connects to the Redis of {@code settings} (or starts degraded when it does not answer).
   *
   * @param deferredCapacity the most deferred requests not yet settled, across the fleet
   * @param deferredRetained how many settled deferred requests are kept for their clients to fetch
   * @param listener hears the store's alerts
   */
  public static RedisStateStore open(RedisSettings settings, int deferredCapacity, int deferredRetained,
      RouterListener listener, Ticker ticker) {
    Objects.requireNonNull(settings, "settings must not be null");
    Objects.requireNonNull(listener, "listener must not be null");
    Objects.requireNonNull(ticker, "ticker must not be null");
    RedisLink link = new RedisLink(settings, listener, ticker);
    try {
      RedisSpendStore spend = new RedisSpendStore(link, ticker);
      RedisSharedState shared = new RedisSharedState(link, ticker, spend::waiting);
      RedisDeferredQueue deferred = new RedisDeferredQueue(link, deferredCapacity, deferredRetained,
          Duration.ofDays(7), ticker);
      link.connect();
      return new RedisStateStore(link, spend, shared, deferred);
    } catch (RuntimeException e) {
      link.close();
      throw e;
    }
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
  public Optional<SharedState> shared() {
    return Optional.of(shared);
  }

  /** Pushes spend that waits for Redis, for at most the command timeout; what waits longer is lost with the process. */
  @Override
  public void flush() {
    spend.flush(Duration.ofSeconds(2));
  }

  @Override
  public StoreHealth health() {
    return link.health(spend.pendingRows());
  }

  @Override
  public String describe() {
    return link.describe();
  }

  @Override
  public void close() {
    try {
      flush();
    } finally {
      spend.close();
      link.close();
    }
  }
}
