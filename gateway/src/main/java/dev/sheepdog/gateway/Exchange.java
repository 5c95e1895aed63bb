package dev.sheepdog.gateway;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One HTTP exchange: Jetty's request, response and completion callback, the request id, and what
 * the access log line needs. Every response leaves through here, so every one carries {@code
 * X-Request-Id} and gets one log line, without prompt content, when the exchange ends.
 *
 * <p><b>The end.</b> The exchange ends exactly once, when Jetty's callback is completed — by the
 * last write of a response, or by a failure (the client went away, a write stalled, the gateway
 * failed). Only then is the access line written, with the status the client really got: a
 * response that could not be delivered is logged 499 (or the status given to {@link
 * #abort(int, Throwable)}), never the 200 that was meant.
 *
 * <p><b>Failures of the gateway itself.</b> Code that continues an exchange on another thread
 * runs through {@link #guard(Runnable)}: any {@link Throwable}, {@link OutOfMemoryError} included,
 * ends the exchange with a 500 in OpenAI's shape while the response is not committed, or aborts
 * the connection otherwise, and is logged once. Nothing leaves a client waiting.
 *
 * <p><b>Stalled writes.</b> A write the client does not take within {@link
 * GatewayLimits#RATE_GRACE} plus its size at the minimum response rate aborts the exchange; a
 * timer is armed only when a write does not complete at once.
 */
final class Exchange {
  private static final Logger log = LoggerFactory.getLogger(Exchange.class);
  private static final Logger accessLog = LoggerFactory.getLogger("dev.sheepdog.gateway.access");
  // the route is the client's "model" field: anything else is not echoed into a log line
  private static final int MAX_ROUTE_LENGTH = 100;
  private static final Pattern LOGGABLE_ROUTE = Pattern.compile("[A-Za-z0-9._:/\\-]{1," + MAX_ROUTE_LENGTH + "}");

  /**
   * What an exchange needs from the server it runs in.
   *
   * @param endpoint the {@code endpoint} label of a path, which the exchange is counted under
   */
  record Context(GatewayMetrics metrics, Scheduler scheduler, GatewayLimits limits, Function<String, String> endpoint,
      Consumer<Exchange> onEnd) {}

  private final Request request;
  private final Response response;
  private final Callback jettyCallback;
  private final Callback callback = new Completion();
  private final Context context;
  private final String requestId;
  private final long startNanos = System.nanoTime();
  private final long createdEpochSeconds = System.currentTimeMillis() / 1000;
  private final AtomicBoolean ended = new AtomicBoolean();
  /** Someone has started the response: only the first of those who would answer does. */
  private final AtomicBoolean responding = new AtomicBoolean();
  private final AtomicBoolean crashed = new AtomicBoolean();
  /** The status to log if the exchange fails before its response is delivered; 0: 499. */
  private final AtomicInteger failureStatus = new AtomicInteger();
  /** The status to log once the response is delivered; 0: the response's own. */
  private volatile int outcomeStatus;
  /** The status the access line gave the exchange when it ended; 0 until then. */
  private volatile int endStatus;
  private volatile String route = "-";
  private volatile String servedModel = "-";
  private volatile int attempts;
  private volatile String costUsd = "-";
  private volatile String clientTag = "client:open";
  /** What a drain that runs out of time does to this exchange; by default, a 503 or an abort. */
  private volatile Runnable onShutdown = this::shutdownDefault;
  volatile ConnectionGuard.Tracked connection;
  private volatile HangupWatchingConnector.HangupWatch hangupWatch;

  Exchange(Request request, Response response, Callback callback, String requestId, Context context) {
    this.request = request;
    this.response = response;
    this.jettyCallback = callback;
    this.requestId = requestId;
    this.context = context;
    response.getHeaders().put(ChatCompletions.Headers.REQUEST_ID, requestId);
  }

  Request request() {
    return request;
  }

  Response response() {
    return response;
  }

  /** Completes the exchange; what the last write of a response, or a failure, completes. */
  Callback callback() {
    return callback;
  }

  String requestId() {
    return requestId;
  }

  long createdEpochSeconds() {
    return createdEpochSeconds;
  }

  GatewayLimits limits() {
    return context.limits();
  }

  /** The route as the access line shows it: the client's {@code model}, or {@code (invalid)}; {@code -} before. */
  String route() {
    return route;
  }

  /** The status the exchange ended with, as logged; 0 while it runs. */
  int endStatus() {
    return endStatus;
  }

  void route(String route) {
    this.route = route != null && route.length() <= MAX_ROUTE_LENGTH && LOGGABLE_ROUTE.matcher(route).matches()
        ? route : "(invalid)";
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

  /**
   * The status the access line gives this exchange, delivered or not, where the HTTP status says
   * less: a stream that ended with an error event after its 200, or was cut for a slow reader.
   */
  void outcome(int status) {
    this.outcomeStatus = status;
    failureStatus.compareAndSet(0, status);
  }

  /**
   * Runs {@code onHangup} should the client close its connection while this exchange waits (its
   * body read, its answer not yet written); see {@link HangupWatchingConnector}.
   */
  void watchForHangup(Runnable onHangup) {
    hangupWatch = HangupWatchingConnector.watch(request.getConnectionMetaData().getConnection().getEndPoint(),
        () -> guard(onHangup));
  }

  /** Asks the client to open a new connection for its next request. */
  void closeConnection() {
    response.getHeaders().put(HttpHeader.CONNECTION, "close");
  }

  void json(int status, String body) {
    json(status, body.getBytes(StandardCharsets.UTF_8));
  }

  /** A JSON body already encoded as UTF-8. */
  void json(int status, byte[] body) {
    send(status, "application/json", body);
  }

  void text(int status, String contentType, String body) {
    send(status, contentType, body.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Claims the response for the caller, who then writes it; {@code false} when another path (an
   * answer, an error, a shutdown) has claimed it first and the caller must write nothing.
   */
  boolean claimResponse() {
    return !ended.get() && responding.compareAndSet(false, true);
  }

  private void send(int status, String contentType, byte[] body) {
    if (claimResponse()) {
      sendClaimed(status, contentType, body);
    }
  }

  private void sendClaimed(int status, String contentType, byte[] body) {
    response.setStatus(status);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, contentType);
    response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
    write(true, ByteBuffer.wrap(body), callback);
  }

  void error(ApiError error) {
    if (claimResponse()) {
      errorClaimed(error);
    }
  }

  private void errorClaimed(ApiError error) {
    if (error.retryAfter() != null) {
      response.getHeaders().put("Retry-After", error.retryAfterSeconds());
    }
    if (error.deferredId() != null) {
      response.getHeaders().put(ChatCompletions.Headers.DEFERRED_ID, error.deferredId());
    }
    if (error.closesConnection()) {
      closeConnection();
    }
    sendClaimed(error.status(), "application/json", error.toJson().getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Writes to the response; {@code done} hears the outcome. Should the client not take the bytes
   * within the write grace plus their size at the minimum response rate, the exchange is aborted
   * (logged 408) and {@code done} fails.
   */
  void write(boolean last, ByteBuffer bytes, Callback done) {
    if (last) {
      // the answer is all here: a client that closes once it has read it has not hung up on anything
      retireWatch();
    }
    long rate = context.limits().minResponseBytesPerSecond();
    if (rate <= 0) {
      response.write(last, bytes, done);
      return;
    }
    long allowedNanos = GatewayLimits.RATE_GRACE.toNanos() + bytes.remaining() * 1_000_000_000L / rate;
    WatchedWrite watched = new WatchedWrite(done);
    response.write(last, bytes, watched);
    watched.armUnlessDone(allowedNanos);
  }

  /**
   * Reads the whole body within the limits and hands it to {@code then}, guarded; answers 413 (too
   * large), 408 (too slow: past the body timeout or below the minimum request rate) or 400
   * (unreadable) itself instead.
   */
  void readBody(long maxBytes, Consumer<byte[]> then) {
    BodyReader.read(request, maxBytes, context.limits(), context.scheduler()).whenComplete((body, failure) ->
        guard(() -> {
          if (failure == null) {
            then.accept(body);
          } else if (failure instanceof BodyReader.TooLargeException) {
            error(ApiError.tooLarge(maxBytes));
          } else if (failure instanceof BodyReader.TooSlowException slow) {
            error(ApiError.requestTimeout(slow.getMessage()));
          } else {
            error(ApiError.badRequest("the request body could not be read", "invalid_body", null));
          }
        }));
  }

  /**
   * Runs a continuation of this exchange; anything it throws, {@link Error}s included, ends the
   * exchange with a 500 (or an abort, once the response is committed).
   */
  void guard(Runnable continuation) {
    try {
      continuation.run();
    } catch (Throwable failure) {
      crash(failure);
    }
  }

  /**
   * The gateway failed while handling this exchange: logs it once, then answers 500 where it still
   * can and aborts the connection where it cannot.
   */
  void crash(Throwable failure) {
    if (!crashed.compareAndSet(false, true)) {
      abort(500, failure);
      return;
    }
    try {
      log.error("request {} failed in the gateway", requestId, failure);
    } catch (Throwable ignored) {
      // logging may fail for the same reason (no memory); the answer below still matters
    }
    if (ended.get()) {
      return;
    }
    try {
      if (claimResponse()) {
        failureStatus.compareAndSet(0, 500);
        errorClaimed(ApiError.internal());
        return;
      }
    } catch (Throwable again) {
      // fall through to the abort
    }
    abort(500, failure);
  }

  /** Ends the exchange by failing it: Jetty aborts the response and closes the connection. */
  void abort(int statusToLog, Throwable cause) {
    failureStatus.compareAndSet(0, statusToLog);
    responding.set(true);
    // an abort: Jetty writes no error response of its own, it closes the connection
    callback.failed(cause instanceof Request.Handler.AbortException ? cause
        : new Request.Handler.AbortException(cause == null ? null : cause.getMessage(), cause));
  }

  /** What {@link #shutdown()} does to this exchange; set by endpoints that have an upstream call to stop. */
  void onShutdown(Runnable action) {
    this.onShutdown = action;
  }

  /** The drain ran out of time with this exchange still open: it ends now. */
  void shutdown() {
    guard(onShutdown);
  }

  private void shutdownDefault() {
    if (claimResponse()) {
      errorClaimed(ApiError.shuttingDown());
    } else {
      abort(503, new TimeoutException("the gateway shut down"));
    }
  }

  /** Writes the exchange's one access line and counts it. */
  private void logAccess(int status) {
    String path = Request.getPathInContext(request);
    context.metrics().httpRequest(context.endpoint().apply(path), status);
    if (accessLog.isInfoEnabled()) {
      accessLog.info("{} {} {} route={} model={} attempts={} status={} latency_ms={} cost_usd={}", requestId,
          LogSafe.field(request.getMethod()), LogSafe.field(path), route, servedModel, attempts, status,
          Duration.ofNanos(System.nanoTime() - startNanos).toMillis(), costUsd);
    }
  }

  private void retireWatch() {
    HangupWatchingConnector.HangupWatch watch = hangupWatch;
    if (watch != null) {
      watch.retire();
    }
  }

  private void end(boolean delivered) {
    // before Jetty completes the response: the connection will want to read again
    retireWatch();
    int status = delivered ? (outcomeStatus != 0 ? outcomeStatus : response.getStatus())
        : failureStatus.get() != 0 ? failureStatus.get()
        : ChatCompletions.CLIENT_CLOSED_REQUEST;
    endStatus = status;
    try {
      logAccess(status);
    } catch (Throwable e) {
      // the line is lost, not the request's end
    }
    try {
      context.onEnd().accept(this);
    } catch (Throwable e) {
      log.warn("request {}: ending the exchange failed: {}", requestId, e.toString());
    }
  }

  /** Jetty's callback, completed once; the exchange ends with it. */
  private final class Completion implements Callback {
    @Override
    public void succeeded() {
      if (ended.compareAndSet(false, true)) {
        end(true);
        jettyCallback.succeeded();
      }
    }

    @Override
    public void failed(Throwable failure) {
      if (ended.compareAndSet(false, true)) {
        end(false);
        jettyCallback.failed(failure);
      }
    }
  }

  /**
   * A write with a deadline. Armed only when the write is still pending once Jetty returns from
   * it; the two volatile fields are written and read in opposite orders by the completion and the
   * arming, so one of them always sees the other and a timer never outlives its write.
   */
  private final class WatchedWrite implements Callback {
    private final Callback done;
    private volatile boolean complete;
    private volatile Scheduler.Task timer;

    WatchedWrite(Callback done) {
      this.done = done;
    }

    void armUnlessDone(long allowedNanos) {
      if (complete) {
        return;
      }
      Scheduler.Task task = context.scheduler().schedule(this::expire, allowedNanos, TimeUnit.NANOSECONDS);
      timer = task;
      if (complete) {
        task.cancel();
      }
    }

    private void expire() {
      if (!complete) {
        abort(408, new TimeoutException("the client did not read the response in time"));
      }
    }

    private void settle() {
      complete = true;
      Scheduler.Task task = timer;
      if (task != null) {
        task.cancel();
      }
    }

    @Override
    public void succeeded() {
      settle();
      done.succeeded();
    }

    @Override
    public void failed(Throwable failure) {
      settle();
      done.failed(failure);
    }
  }
}
