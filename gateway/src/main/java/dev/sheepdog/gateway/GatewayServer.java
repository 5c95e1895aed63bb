package dev.sheepdog.gateway;

import dev.sheepdog.core.Router;
import dev.sheepdog.gateway.sandbox.SandboxProvider;
import dev.sheepdog.spi.DeferredQueue;
import java.net.URI;
import java.util.List;
import java.util.Objects;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's HTTP server: OpenAI's chat-completions API in front of a {@link Router}.
 *
 * <pre>{@code
 * try (GatewayServer gateway = GatewayServer.start(router, GatewayConfig.builder().port(8080).build())) {
 *   ...
 * }
 * }</pre>
 */
public final class GatewayServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(GatewayServer.class);

  private final Server server;
  private final ServerConnector connector;
  private final GracefulHandler graceful;
  private final long drainMillis;

  private GatewayServer(Server server, ServerConnector connector, GracefulHandler graceful, long drainMillis) {
    this.server = server;
    this.connector = connector;
    this.graceful = graceful;
    this.drainMillis = drainMillis;
  }

  /**
   * Binds and starts serving; fails when the port cannot be bound. {@code /metrics} shows HTTP
   * traffic and model gauges only; use {@link #start(Router, GatewayConfig, GatewayMetrics)} for
   * the router's events too.
   */
  public static GatewayServer start(Router router, GatewayConfig config) {
    return start(router, config, GatewayMetrics.create());
  }

  /** Binds and starts serving, exporting {@code metrics}, which should be a listener of {@code router}. */
  public static GatewayServer start(Router router, GatewayConfig config, GatewayMetrics metrics) {
    return start(router, config, metrics, null);
  }

  /**
   * Binds and starts serving, and lists the entries of {@code deferred} at {@code /admin/deferred};
   * when {@code null}, the router's own deferred queue, if it has one.
   */
  public static GatewayServer start(Router router, GatewayConfig config, GatewayMetrics metrics,
      DeferredQueue deferred) {
    return start(router, config, metrics, deferred, List.of());
  }

  /**
   * Binds and starts serving, and lets the admin switch the faults of {@code sandboxes} (the
   * router's sandbox providers) at {@code /admin/sandbox/faults}; without sandboxes that endpoint
   * does not exist.
   */
  public static GatewayServer start(Router router, GatewayConfig config, GatewayMetrics metrics,
      DeferredQueue deferred, List<SandboxProvider> sandboxes) {
    Objects.requireNonNull(router, "router");
    Objects.requireNonNull(config, "config");
    Objects.requireNonNull(metrics, "metrics");
    metrics.bind(router);
    DeferredQueue queue = deferred != null ? deferred : router.deferredQueue().orElse(null);
    if (queue != null) {
      metrics.bind(queue);
    }
    QueuedThreadPool threads = new QueuedThreadPool();
    threads.setName("sheepdog-gateway");
    Server server = new Server(threads);
    ServerConnector connector = new ServerConnector(server);
    connector.setHost(config.host());
    connector.setPort(config.port());
    connector.setIdleTimeout(config.idleTimeout().toMillis());
    server.addConnector(connector);
    // on stop, new requests are refused while those in flight finish, up to the drain timeout
    GracefulHandler graceful = new GracefulHandler(new GatewayHandler(router, config, metrics, queue,
        SandboxFaultsEndpoint.of(sandboxes)));
    server.setHandler(graceful);
    server.setStopTimeout(config.drainTimeout().toMillis());
    server.setErrorHandler(new JsonErrorHandler());
    try {
      server.start();
    } catch (Exception e) {
      try {
        server.stop();
      } catch (Exception suppressed) {
        e.addSuppressed(suppressed);
      }
      throw new IllegalStateException("the gateway could not start on " + config.host() + ":" + config.port(), e);
    }
    if (config.clientKeys().isEmpty()) {
      log.warn("The gateway accepts every client: no client keys are configured (allowed on loopback {} only)",
          config.host());
    }
    log.info("Sheepdog gateway serving {} models on {}:{}", router.catalog().size(), config.host(),
        connector.getLocalPort());
    return new GatewayServer(server, connector, graceful, config.drainTimeout().toMillis());
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

  /** Stops accepting, lets requests in flight finish up to the drain timeout, then closes the connections. */
  @Override
  public void close() {
    // Drain before Jetty's own graceful stop: that one also shuts the connector down, which closes
    // connections that look idle, and a request waiting on an upstream looks idle (no I/O).
    try {
      graceful.shutdown().get(drainMillis, java.util.concurrent.TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      log.warn("Requests were still in flight after the drain timeout of {} ms; they are cut off", drainMillis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (java.util.concurrent.ExecutionException e) {
      log.warn("Draining the requests in flight failed: {}", e.getCause().toString());
    }
    try {
      server.stop();
    } catch (Exception e) {
      throw new IllegalStateException("the gateway did not stop cleanly", e);
    }
  }

  /** Jetty's own errors (a malformed request line, headers too large) in OpenAI's shape, without stacks. */
  private static final class JsonErrorHandler extends ErrorHandler {
    @Override
    public boolean handle(Request request, Response response, Callback callback) {
      int status = response.getStatus() >= 400 ? response.getStatus() : 500;
      Object attribute = request.getAttribute(ERROR_STATUS);
      if (attribute instanceof Integer code && code >= 400 && code <= 599) {
        status = code;
      }
      ApiError error = status == 413 ? new ApiError(413, "the request is too large", "invalid_request_error",
          "request_too_large", null, null, null)
          : status == 503 ? new ApiError(503, "the gateway is shutting down", "server_error", "shutting_down", null,
              null, null)
          : status < 500 ? ApiError.badRequest("the request could not be parsed as HTTP", "invalid_request", null)
          : ApiError.internal();
      response.setStatus(error.status() == 400 ? status : error.status());
      response.getHeaders().put("Content-Type", "application/json");
      org.eclipse.jetty.io.Content.Sink.write(response, true, error.toJson(), callback);
      return true;
    }
  }
}
