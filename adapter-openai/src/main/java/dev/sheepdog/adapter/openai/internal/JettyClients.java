package dev.sheepdog.adapter.openai.internal;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.jetty.client.Connection;
import org.eclipse.jetty.client.Destination;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.MultiplexConnectionPool;
import org.eclipse.jetty.client.Origin;
import org.eclipse.jetty.client.ProxyAuthenticationProtocolHandler;
import org.eclipse.jetty.client.WWWAuthenticationProtocolHandler;
import org.eclipse.jetty.client.transport.HttpClientConnectionFactory;
import org.eclipse.jetty.client.transport.HttpClientTransportDynamic;
import org.eclipse.jetty.http2.client.HTTP2Client;
import org.eclipse.jetty.http2.client.transport.ClientConnectionFactoryOverHTTP2;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;

/**
 * Makes the Jetty clients the adapter calls upstreams with, and keeps the settings each
 * destination asked for.
 *
 * <p>A client made here speaks HTTP/1.1 and HTTP/2 (ALPN over TLS, prior-knowledge h2c on request)
 * on a bounded thread pool: its selector and every callback run on at most {@code maxThreads}
 * threads, whatever the number of calls in flight or streams open, because nothing in the
 * adapter blocks one of them. Its request queue is unbounded on purpose: {@link CallPermits}
 * bounds the calls in flight before they reach it, and refuses the rest at once.
 *
 * <p>Providers sharing one client still get their own pool size and keep-alive: each {@link
 * #register registers} its destination, and the destination's connection pool, made on its first
 * request, is sized and timed from what was registered (the largest, when several providers name
 * the same host).
 */
public final class JettyClients {
  private JettyClients() {}

  /** What providers registered, per {@code scheme://host:port}; a bean of clients made here. */
  static final class DestinationSettings {
    final Map<String, Settings> byOrigin = new ConcurrentHashMap<>();

    record Settings(int poolSize, long keepAliveMillis) {
      Settings merge(Settings other) {
        return new Settings(Math.max(poolSize, other.poolSize), Math.max(keepAliveMillis, other.keepAliveMillis));
      }
    }
  }

  /**
   * A new client, started.
   *
   * @param name names its threads
   * @param connectTimeout the longest TCP and TLS connect; a provider with a shorter one enforces
   *     its own per request
   * @param keepAlive how long an idle pooled connection is kept, unless its destination registered
   *     another
   * @param defaultPoolSize connections per destination, unless its destination registered another
   */
  public static HttpClient start(String name, int maxThreads, Duration connectTimeout, Duration keepAlive,
      int defaultPoolSize) {
    ClientConnector connector = new ClientConnector();
    connector.setSelectors(1);
    HTTP2Client http2 = new HTTP2Client(connector);
    // HTTP/1.1 first: the choice on plain http when no version is asked for; over TLS both are offered
    HttpClientTransportDynamic transport = new HttpClientTransportDynamic(connector,
        HttpClientConnectionFactory.HTTP11, new ClientConnectionFactoryOverHTTP2.HTTP2(http2));
    DestinationSettings settings = new DestinationSettings();
    transport.setConnectionPoolFactory(destination -> {
      DestinationSettings.Settings registered = settings.byOrigin.get(key(destination.getOrigin()));
      int size = registered == null ? defaultPoolSize : registered.poolSize();
      long keepAliveMillis = registered == null ? 0 : registered.keepAliveMillis();
      return new DestinationPool(destination, size, keepAliveMillis);
    });
    HttpClient client = new HttpClient(transport);
    QueuedThreadPool threads = new QueuedThreadPool(maxThreads, Math.min(4, maxThreads));
    threads.setName(name);
    threads.setDaemon(true);
    client.setExecutor(threads);
    client.setScheduler(new ScheduledExecutorScheduler(name + "-timer", true));
    client.setConnectTimeout(connectTimeout.toMillis());
    client.setIdleTimeout(keepAlive.toMillis());
    client.setMaxConnectionsPerDestination(defaultPoolSize);
    client.setMaxRequestsQueuedPerDestination(Integer.MAX_VALUE);
    // the provider names itself on each request; Jetty's default would name Jetty
    client.setUserAgentField(null);
    client.addBean(settings);
    try {
      client.start();
    } catch (Exception e) {
      stop(client);
      throw new IllegalStateException("the HTTP client did not start: " + e, e);
    }
    // a 401 or 407 is the provider's answer to classify, body and all, not a challenge to answer
    client.getProtocolHandlers().remove(WWWAuthenticationProtocolHandler.NAME);
    client.getProtocolHandlers().remove(ProxyAuthenticationProtocolHandler.NAME);
    return client;
  }

  /**
   * Records the pool size and keep-alive a provider wants for its destination, if {@code client}
   * was made here (another client keeps its own settings). Takes effect for a destination's
   * connections created after its first request if registered before it.
   */
  public static void register(HttpClient client, String scheme, String host, int port, int poolSize, Duration keepAlive) {
    DestinationSettings settings = client.getBean(DestinationSettings.class);
    if (settings != null) {
      settings.byOrigin.merge(key(scheme, host, port), new DestinationSettings.Settings(poolSize, keepAlive.toMillis()),
          DestinationSettings.Settings::merge);
    }
  }

  /** Stops {@code client}, never throwing: closing must go on with the next resource. */
  public static void stop(HttpClient client) {
    try {
      client.stop();
    } catch (Exception e) {
      // nothing to do about it; its threads are daemons
    }
  }

  private static String key(Origin origin) {
    return key(origin.getScheme(), origin.getAddress().getHost(), origin.getAddress().getPort());
  }

  private static String key(String scheme, String host, int port) {
    return scheme.toLowerCase(Locale.ROOT) + "://" + host.toLowerCase(Locale.ROOT) + ":" + port;
  }

  /**
   * Jetty's own pool for a destination (multiplexed, so an HTTP/2 connection carries many calls and
   * an HTTP/1.1 one carries one), whose HTTP/1.1 connections stay open while idle for the
   * destination's keep-alive.
   */
  private static final class DestinationPool extends MultiplexConnectionPool {
    private final long keepAliveMillis;

    DestinationPool(Destination destination, int maxConnections, long keepAliveMillis) {
      // a pool whose acquire does not walk thousands of busy connections (see IdleQueuePool)
      super(destination, () -> new IdleQueuePool<>(maxConnections, MultiplexConnectionPool.newMaxMultiplexer(1)), 1);
      this.keepAliveMillis = keepAliveMillis;
    }

    @Override
    protected void onCreated(Connection connection) {
      super.onCreated(connection);
      // an HTTP/1.1 connection restores this idle timeout after each call (a call sets its own)
      if (keepAliveMillis > 0 && connection instanceof org.eclipse.jetty.io.Connection io) {
        io.getEndPoint().setIdleTimeout(keepAliveMillis);
      }
    }
  }
}
