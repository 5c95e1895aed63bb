package dev.sheepdog.gateway;

import dev.sheepdog.adapter.sandbox.SandboxProvider;
import dev.sheepdog.core.Router;
import dev.sheepdog.spi.DeferredQueue;
import java.net.URI;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's HTTP server: OpenAI's chat-completions API in front of a {@link Router}.
 *
 * <pre>{@code
 * try (GatewayServer gateway = GatewayServer.start(router, GatewaySettings.builder().port(8080).build())) {
 *   ...
 * }
 * }</pre>
 */
public final class GatewayServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(GatewayServer.class);
  /** Spend and deferred requests are attributed to a client by a tag with this prefix and its key's hash. */
  public static final String CLIENT_TAG_PREFIX = "client:";
  /** Of the drain timeout, the part kept to cut what is still in flight and let those last writes leave. */
  private static final long CUT_RESERVE_DIVISOR = 10;
  private static final long MAX_CUT_RESERVE_MILLIS = 1_000;
  private static final int ACCEPT_BACKLOG = 4_096;
  /** Per connection: enough for the few headers API clients repeat, a fraction of Jetty's default. */
  private static final int HEADER_CACHE_SIZE = 128;

  private final Server server;
  private final ServerConnector connector;
  private final GatewayHandler handler;
  private final ConnectionGuard connections;
  private final long drainMillis;

  private GatewayServer(Server server, ServerConnector connector, GatewayHandler handler, ConnectionGuard connections,
      long drainMillis) {
    this.server = server;
    this.connector = connector;
    this.handler = handler;
    this.connections = connections;
    this.drainMillis = drainMillis;
  }

  /**
   * Binds and starts serving; fails when the port cannot be bound. {@code /metrics} shows HTTP
   * traffic and model gauges only; use {@link #start(Router, GatewaySettings, GatewayMetrics)} for
   * the router's events too.
   */
  public static GatewayServer start(Router router, GatewaySettings settings) {
    return start(router, settings, GatewayMetrics.create());
  }

  /** Binds and starts serving, exporting {@code metrics}, which should be a listener of {@code router}. */
  public static GatewayServer start(Router router, GatewaySettings settings, GatewayMetrics metrics) {
    return start(router, settings, metrics, null);
  }

  /**
   * Binds and starts serving, and lists the entries of {@code deferred} at {@code /admin/deferred};
   * when {@code null}, the router's own deferred queue, if it has one.
   */
  public static GatewayServer start(Router router, GatewaySettings settings, GatewayMetrics metrics,
      DeferredQueue deferred) {
    return start(router, settings, metrics, deferred, List.of());
  }

  /**
   * Binds and starts serving, and lets the admin switch the faults of {@code sandboxes} (the
   * router's sandbox providers) at {@code /admin/sandbox/faults}; without sandboxes that endpoint
   * does not exist.
   */
  public static GatewayServer start(Router router, GatewaySettings settings, GatewayMetrics metrics,
      DeferredQueue deferred, List<SandboxProvider> sandboxes) {
    return start(router, settings, metrics, deferred, sandboxes, GatewayTracing.off());
  }

  /**
   * Binds and starts serving, and traces chat completions with {@code tracing}, which should be a
   * listener of {@code router} (it builds the attempts' spans from the router's events).
   */
  public static GatewayServer start(Router router, GatewaySettings settings, GatewayMetrics metrics,
      DeferredQueue deferred, List<SandboxProvider> sandboxes, GatewayTracing tracing) {
    Objects.requireNonNull(router, "router");
    Objects.requireNonNull(tracing, "tracing");
    Objects.requireNonNull(settings, "settings");
    Objects.requireNonNull(metrics, "metrics");
    metrics.bind(router);
    DeferredQueue queue = deferred != null ? deferred : router.deferredQueue().orElse(null);
    if (queue != null) {
      metrics.bind(queue);
    }
    GatewayLimits limits = settings.limits();
    QueuedThreadPool threads = new QueuedThreadPool(settings.threads(), Math.min(8, settings.threads()));
    threads.setName("sheepdog-gateway");
    Server server = new Server(threads);
    HttpConfiguration http = new HttpConfiguration();
    http.setRequestHeaderSize(limits.maxHeaderBytes());
    // Jetty keeps a cache of header fields per connection, sized 1,024 by default: about 38 KB of
    // heap each, which at thousands of open connections (LLM calls last seconds) is most of the heap
    http.setHeaderCacheSize(HEADER_CACHE_SIZE);
    http.setSendServerVersion(false);
    http.setSendXPoweredBy(false);
    ServerConnector connector = new HangupWatchingConnector(server, new HttpConnectionFactory(http));
    connector.setHost(settings.host());
    connector.setPort(settings.port());
    connector.setIdleTimeout(settings.idleTimeout().toMillis());
    // Java's default backlog is 50: a burst of new clients past it has its SYNs dropped and retried
    // after 1, 3 and 7 s, which reads as seconds of latency (the kernel caps it at somaxconn)
    connector.setAcceptQueueSize(ACCEPT_BACKLOG);
    ConnectionGuard connections = new ConnectionGuard(limits.maxConnections(), limits.headerTimeout(),
        System::nanoTime);
    connector.addEventListener(connections);
    server.addConnector(connector);
    // past the band of connections told 503, a flood waits in the kernel's backlog, not in memory
    server.addBean(new NetworkConnectionLimit(limits.acceptCeiling(), connector));
    GatewayHandler handler = new GatewayHandler(router, settings, metrics, queue, SandboxFaultsEndpoint.of(sandboxes),
        connections, server.getScheduler(), tracing);
    server.setHandler(handler);
    server.setErrorHandler(new JsonErrorHandler(metrics, settings.limits(), server, handler));
    try {
      server.start();
      connections.start(server.getScheduler());
      handler.startBackground();
    } catch (Exception e) {
      try {
        server.stop();
      } catch (Exception suppressed) {
        e.addSuppressed(suppressed);
      }
      throw new IllegalStateException("the gateway could not start on " + settings.host() + ":" + settings.port(), e);
    }
    if (settings.clientKeys().isEmpty()) {
      log.warn("The gateway accepts every client: no client keys are configured (allowed on loopback {} only; "
          + "requests from browsers and other hosts are refused)", settings.host());
    }
    log.info("Sheepdog gateway serving {} models on {}:{}", router.catalog().size(), settings.host(),
        connector.getLocalPort());
    return new GatewayServer(server, connector, handler, connections, settings.drainTimeout().toMillis());
  }

  /** The port bound, useful after asking for port 0. */
  public int port() {
    return connector.getLocalPort();
  }

  /** {@code http://host:port}, the base URL without {@code /v1}. */
  public URI uri() {
    String host = connector.getHost() == null ? "127.0.0.1" : connector.getHost();
    return URI.create("http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port());
  }

  /** Connections open now. */
  int openConnections() {
    return connections.openConnections();
  }

  /**
   * Stops within the drain timeout, in all: new requests are answered 503 with {@code
   * Retry-After} from now on; requests in flight may finish until a tenth of the timeout (at most
   * a second) is left; then those still open are cut — answered 503, or their streams ended with
   * an error event, their upstream calls cancelled — and the server stops in what remains.
   */
  @Override
  public void close() {
    long start = System.nanoTime();
    long drainNanos = TimeUnit.MILLISECONDS.toNanos(drainMillis);
    long reserve = Math.min(drainNanos / CUT_RESERVE_DIVISOR, TimeUnit.MILLISECONDS.toNanos(MAX_CUT_RESERVE_MILLIS));
    handler.stopBackground();
    CompletableFuture<Void> drained = handler.drain();
    if (!await(drained, drainNanos - reserve)) {
      int cut = handler.cutInFlight();
      log.warn("{} requests were still in flight after {} ms of draining; they were ended with a 503 or an error "
          + "event", cut, TimeUnit.NANOSECONDS.toMillis(drainNanos - reserve));
      await(drained, drainNanos - (System.nanoTime() - start));
    }
    connections.stop();
    // the draining is done (or its time is up): Jetty's own graceful stop would wait again, so it closes at once
    server.setStopTimeout(0);
    try {
      server.stop();
    } catch (Exception e) {
      throw new IllegalStateException("the gateway did not stop cleanly: " + e, e);
    }
  }

  private static boolean await(CompletableFuture<Void> future, long nanos) {
    if (nanos <= 0) {
      return future.isDone();
    }
    try {
      future.get(nanos, TimeUnit.NANOSECONDS);
      return true;
    } catch (TimeoutException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } catch (ExecutionException e) {
      return true;
    }
  }

  /**
   * Jetty's own errors (a malformed request line, headers too large, a bad chunk) in OpenAI's shape,
   * without stacks, and like every answer with {@code X-Request-Id}, an access line and a count.
   */
  private static final class JsonErrorHandler extends ErrorHandler {
    private final Exchange.Context context;

    /** {@code handler}: the gateway's, whose endpoints label these exchanges too. */
    JsonErrorHandler(GatewayMetrics metrics, GatewayLimits limits, Server server, GatewayHandler handler) {
      this.context = new Exchange.Context(metrics, server.getScheduler(), limits, handler::endpointLabel,
          exchange -> { });
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
      int status = response.getStatus() >= 400 ? response.getStatus() : 500;
      Object attribute = request.getAttribute(ERROR_STATUS);
      if (attribute instanceof Integer code && code >= 400 && code <= 599) {
        status = code;
      }
      ApiError error = jettyError(status);
      Exchange exchange = new Exchange(request, response, callback, RequestIds.of(request), context);
      exchange.guard(() -> exchange.error(error));
      return true;
    }

    private static ApiError jettyError(int status) {
      return switch (status) {
        case 413 -> ApiError.tooLarge(-1);
        case 414 -> new ApiError(414, "the request line is too long", "invalid_request_error", "uri_too_long", null,
            null, null);
        case 431 -> new ApiError(431, "the request headers are too large", "invalid_request_error",
            "headers_too_large", null, null, null);
        case 503 -> ApiError.shuttingDown();
        case 505 -> new ApiError(505, "the HTTP version is not supported; use HTTP/1.1", "invalid_request_error",
            "http_version_not_supported", null, null, null);
        default -> status < 500
            ? new ApiError(status, "the request could not be parsed as HTTP", "invalid_request_error",
                "invalid_request", null, null, null)
            : ApiError.internal();
      };
    }
  }
}
