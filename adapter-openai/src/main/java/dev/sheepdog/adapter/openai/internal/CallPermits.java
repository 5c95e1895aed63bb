package dev.sheepdog.adapter.openai.internal;

import dev.sheepdog.spi.FailureKind;
import dev.sheepdog.spi.ProviderException;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The explicit limits of calls in flight: one provider's own ({@code maxRequests}), and those to
 * one host through one HTTP client, counted across every provider that shares the client ({@code
 * maxRequestsPerHost}). A call past either is refused at once with {@link FailureKind#OVERLOADED}
 * and never sent, so the router fails over instead of the call waiting in a queue nobody sees.
 *
 * <p>Concurrency: two atomic counters, each raised optimistically and lowered again when the
 * raise went past its limit, so the counts can pass a limit only for the instant between the two
 * steps, and a refused call leaves both as they were. Each admitted call must be released exactly
 * once.
 */
public final class CallPermits {
  /** Per-host counters, per HTTP client (a Jetty client, an OkHttp dispatcher); weak, so a dropped client takes its counts along. */
  private static final Map<Object, Map<String, AtomicInteger>> HOSTS_BY_CLIENT = new WeakHashMap<>();

  private final String providerId;
  private final String host;
  private final int maxRequests;
  private final int maxRequestsPerHost;
  private final AtomicInteger own = new AtomicInteger();
  private final AtomicInteger toHost;

  private CallPermits(String providerId, String host, int maxRequests, int maxRequestsPerHost, AtomicInteger toHost) {
    this.providerId = providerId;
    this.host = host;
    this.maxRequests = maxRequests;
    this.maxRequestsPerHost = maxRequestsPerHost;
    this.toHost = toHost;
  }

  /**
   * The permits of one provider.
   *
   * @param client what the per-host count is shared by: the HTTP client the provider calls through
   * @param host the provider's {@code scheme://host:port}
   */
  public static CallPermits of(Object client, String providerId, String host, int maxRequests, int maxRequestsPerHost) {
    AtomicInteger toHost;
    synchronized (HOSTS_BY_CLIENT) {
      toHost = HOSTS_BY_CLIENT.computeIfAbsent(client, c -> new ConcurrentHashMap<>())
          .computeIfAbsent(host, h -> new AtomicInteger());
    }
    return new CallPermits(providerId, host, maxRequests, maxRequestsPerHost, toHost);
  }

  /** Admits one call, or says which limit refused it; an admitted call is {@link #release()}d once. */
  public ProviderException tryAcquire() {
    if (own.incrementAndGet() > maxRequests) {
      own.decrementAndGet();
      return refused(maxRequests + " calls of provider " + providerId + " in flight (its max_requests)");
    }
    if (toHost.incrementAndGet() > maxRequestsPerHost) {
      toHost.decrementAndGet();
      own.decrementAndGet();
      return refused(maxRequestsPerHost + " calls to " + host + " in flight (max_requests_per_host)");
    }
    return null;
  }

  public void release() {
    toHost.decrementAndGet();
    own.decrementAndGet();
  }

  /** Calls of this provider in flight now. */
  public int inFlight() {
    return own.get();
  }

  private static ProviderException refused(String what) {
    return new ProviderException(FailureKind.OVERLOADED, 0, "not sent: " + what);
  }
}
