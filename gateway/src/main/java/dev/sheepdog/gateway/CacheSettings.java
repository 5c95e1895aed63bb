package dev.sheepdog.gateway;

import java.time.Duration;
import java.util.Objects;
import java.util.Set;

/**
 * The response cache ({@code cache} in YAML): exact-match answers for requests that ask for
 * determinism (temperature 0, or {@code X-Sheepdog-Cache: on}), so the same question is not paid
 * for twice.
 *
 * @param enabled whether there is a cache at all; without one, {@code X-Sheepdog-Cache} is ignored
 * @param routes the routes (a client's {@code model}: {@code auto}, {@code summarize:fast}, a model
 *     id) whose requests at temperature 0 are cached without asking; {@code *} for every route;
 *     empty: only requests that send {@code X-Sheepdog-Cache: on}
 * @param ttl how long an answer is served from the cache after it was fetched
 * @param maxBytes the most the cached answers may weigh together, counted as their encoded size
 * @param shared whether clients share answers; otherwise each client key has its own
 */
public record CacheSettings(boolean enabled, Set<String> routes, Duration ttl, long maxBytes, boolean shared) {
  public static final Duration DEFAULT_TTL = Duration.ofMinutes(10);
  public static final long DEFAULT_MAX_BYTES = 64L << 20;
  /** Every route. */
  public static final String ALL_ROUTES = "*";
  /** No cache. */
  public static final CacheSettings OFF = new CacheSettings(false, Set.of(), DEFAULT_TTL, DEFAULT_MAX_BYTES, false);

  public CacheSettings {
    routes = Set.copyOf(Objects.requireNonNull(routes, "routes"));
    Objects.requireNonNull(ttl, "ttl");
    if (ttl.isNegative() || ttl.isZero()) {
      throw new IllegalArgumentException("ttl must be positive, was " + ttl);
    }
    if (maxBytes < 1) {
      throw new IllegalArgumentException("maxBytes must be positive, was " + maxBytes);
    }
  }

  /** A cache of every route's requests at temperature 0, with the default size and time to live. */
  public static CacheSettings allRoutes() {
    return new CacheSettings(true, Set.of(ALL_ROUTES), DEFAULT_TTL, DEFAULT_MAX_BYTES, false);
  }

  /** Whether requests at temperature 0 on {@code route} are cached without asking. */
  boolean cachesRoute(String route) {
    return routes.contains(ALL_ROUTES) || routes.contains(route);
  }
}
