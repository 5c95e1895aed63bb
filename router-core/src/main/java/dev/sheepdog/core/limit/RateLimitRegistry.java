package dev.sheepdog.core.limit;

import dev.sheepdog.spi.ModelId;
import dev.sheepdog.spi.ModelSpec;
import dev.sheepdog.spi.RateLimits;
import dev.sheepdog.spi.Ticker;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One {@link ModelRateLimiter} per model, built from the catalog's specs; the router's admission
 * check for rate limits.
 *
 * <p>A model that is not in the catalog (pinned by name, say) is unlimited but still honours
 * cool-downs from its provider's 429s: its limiter is created on first use. Thread-safe; lookups of
 * known models do not allocate.
 */
public final class RateLimitRegistry {
  private final Map<ModelId, ModelRateLimiter> limiters = new ConcurrentHashMap<>();
  private final BurstPolicy burst;
  private final Ticker ticker;

  public RateLimitRegistry(Collection<ModelSpec> specs, BurstPolicy burst, Ticker ticker) {
    Objects.requireNonNull(specs, "model specs must not be null");
    this.burst = Objects.requireNonNull(burst, "burst policy must not be null");
    this.ticker = Objects.requireNonNull(ticker, "ticker must not be null");
    for (ModelSpec spec : specs) {
      ModelRateLimiter limiter = new ModelRateLimiter(spec.id(), spec.limits(), burst, ticker);
      if (limiters.putIfAbsent(spec.id(), limiter) != null) {
        throw new IllegalArgumentException("model " + spec.id() + " is listed twice");
      }
    }
  }

  /** The specs' limits with the default 10 % burst. */
  public RateLimitRegistry(Collection<ModelSpec> specs, Ticker ticker) {
    this(specs, BurstPolicy.DEFAULT, ticker);
  }

  public ModelRateLimiter limiter(ModelId model) {
    Objects.requireNonNull(model, "model must not be null");
    ModelRateLimiter limiter = limiters.get(model);
    return limiter != null
        ? limiter
        : limiters.computeIfAbsent(model, id -> new ModelRateLimiter(id, RateLimits.UNLIMITED, burst, ticker));
  }

  /** Admits one request to {@code model} reserving {@code estimatedTokens}, or says how long to wait. */
  public Admission admit(ModelId model, long estimatedTokens) {
    return limiter(model).tryAcquire(estimatedTokens);
  }

  /** Settles a reservation with the real usage; see {@link ModelRateLimiter#correct}. */
  public void correct(ModelId model, long reservedTokens, long actualTokens) {
    limiter(model).correct(reservedTokens, actualTokens);
  }

  /** Gives back a reservation of a call that failed before using tokens. */
  public void release(ModelId model, long reservedTokens) {
    limiter(model).release(reservedTokens);
  }

  /** A provider's 429 said to wait {@code retryAfter}. */
  public void coolDown(ModelId model, Duration retryAfter) {
    limiter(model).coolDown(retryAfter);
  }

  public void coolDownUntil(ModelId model, long nanoTime) {
    limiter(model).coolDownUntil(nanoTime);
  }

  /**
   * The shortest wait among refusals, for a router whose every candidate is limited: it may wait
   * that long if its deadline allows. {@link Long#MAX_VALUE} if the list is empty or none can fit.
   */
  public static long earliestWaitNanos(List<Admission> refusals) {
    long earliest = Long.MAX_VALUE;
    for (Admission a : refusals) {
      earliest = Math.min(earliest, a.waitNanos());
    }
    return earliest;
  }

  /** Headroom of every known model, by model id. */
  public List<RateLimitHeadroom> headroom() {
    return limiters.values().stream()
        .map(ModelRateLimiter::headroom)
        .sorted((a, b) -> a.model().compareTo(b.model()))
        .toList();
  }

  public RateLimitHeadroom headroom(ModelId model) {
    return limiter(model).headroom();
  }
}
