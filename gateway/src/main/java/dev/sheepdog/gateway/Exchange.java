package dev.sheepdog.gateway;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One HTTP exchange: Jetty's request, response and completion callback, the request id, and what
 * the access log line needs. Every response leaves through here, so every one carries {@code
 * X-Request-Id} and gets one log line without prompt content.
 */
final class Exchange {
  private static final Logger accessLog = LoggerFactory.getLogger("dev.sheepdog.gateway.access");
  // the route is the client's "model" field: anything else is not echoed into a log line
  private static final Pattern LOGGABLE_ROUTE = Pattern.compile("[A-Za-z0-9._:/\\-]{1,100}");

  private final Request request;
  private final Response response;
  private final Callback callback;
  private final GatewayMetrics metrics;
  private final String requestId;
  private final long startNanos = System.nanoTime();
  private final long createdEpochSeconds = System.currentTimeMillis() / 1000;
  private volatile String route = "-";
  private volatile String servedModel = "-";
  private volatile int attempts;
  private volatile String costUsd = "-";
  private volatile String clientTag = "client:open";
  private final AtomicBoolean logged = new AtomicBoolean();

  Exchange(Request request, Response response, Callback callback, String requestId, GatewayMetrics metrics) {
    this.request = request;
    this.metrics = metrics;
    this.response = response;
    this.callback = callback;
    this.requestId = requestId;
    response.getHeaders().put(ChatCompletions.Headers.REQUEST_ID, requestId);
  }

  Request request() {
    return request;
  }

  Response response() {
    return response;
  }

  Callback callback() {
    return callback;
  }

  String requestId() {
    return requestId;
  }

  long createdEpochSeconds() {
    return createdEpochSeconds;
  }

  void route(String route) {
    this.route = route != null && LOGGABLE_ROUTE.matcher(route).matches() ? route : "(invalid)";
  }

  /** The tag spend is attributed to: {@code client:} and the hash of the client's key. */
  void client(String clientTag) {
    this.clientTag = clientTag;
  }

  String client() {
    return clientTag;
  }

  void served(String model, int attempts, String costUsd) {
    this.servedModel = model;
    this.attempts = attempts;
    this.costUsd = costUsd == null ? "-" : costUsd;
  }

  void json(int status, String body) {
    response.setStatus(status);
    response.getHeaders().put("Content-Type", "application/json");
    Content.Sink.write(response, true, body, callback);
    logAccess(status);
  }

  /** A JSON body already encoded as UTF-8. */
  void json(int status, byte[] body) {
    response.setStatus(status);
    response.getHeaders().put("Content-Type", "application/json");
    response.write(true, ByteBuffer.wrap(body), callback);
    logAccess(status);
  }

  void text(int status, String contentType, String body) {
    response.setStatus(status);
    response.getHeaders().put("Content-Type", contentType);
    response.getHeaders().put("Content-Length", body.getBytes(StandardCharsets.UTF_8).length);
    Content.Sink.write(response, true, body, callback);
    logAccess(status);
  }

  void error(ApiError error) {
    if (error.retryAfter() != null) {
      response.getHeaders().put("Retry-After", error.retryAfterSeconds());
    }
    if (error.deferredId() != null) {
      response.getHeaders().put(ChatCompletions.Headers.DEFERRED_ID, error.deferredId());
    }
    json(error.status(), error.toJson());
  }

  /** Counts and logs the exchange; only the first call does, so each request has one line. */
  void logAccess(int status) {
    if (!logged.compareAndSet(false, true)) {
      return;
    }
    metrics.httpRequest(Request.getPathInContext(request), status);
    if (accessLog.isInfoEnabled()) {
      accessLog.info("{} {} {} route={} model={} attempts={} status={} latency_ms={} cost_usd={}", requestId,
          request.getMethod(), Request.getPathInContext(request), route, servedModel, attempts, status,
          Duration.ofNanos(System.nanoTime() - startNanos).toMillis(), costUsd);
    }
  }
}
