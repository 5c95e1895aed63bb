package dev.sheepdog.adapter.openai.internal;

import java.io.ByteArrayOutputStream;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import okhttp3.Call;
import okhttp3.HttpUrl;
import okio.ByteString;
import org.eclipse.jetty.client.BytesRequestContent;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.HttpResponseException;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * Carries calls on a Jetty {@link HttpClient}, without a thread per call or per stream: a call in
 * flight is a registered socket and a few objects, and its bytes are handled by the client's
 * bounded pool when they arrive.
 *
 * <p>JSON calls go through Retrofit over {@link JettyCallFactory}. Streams are read with demand:
 * each chunk of the body is handed to the {@link SseStreamBridge} as it arrives, and the next is
 * asked for only once it has been handled, so a stream holds no thread between chunks and a slow
 * listener slows its own stream, not the others.
 *
 * <p>Timeouts: the read timeout is the request's idle timeout (the longest silence, while sending
 * or receiving). A JSON call's {@code CallOptions.timeout()} is Jetty's total timeout (the whole
 * call, body included); a stream's runs until its headers, as OkHttp's call timeout did for
 * event sources, and the idle timeout guards each silence after that. A connect timeout shorter
 * than the client's (a shared client) is enforced per request: the request must be on a
 * connection by then.
 */
public final class JettyTransport implements UpstreamTransport {
  private final HttpClient client;
  private final boolean owned;
  private final Map<String, String> endpointHeaders;
  private final String userAgent;
  private final long connectTimeoutMillis;
  private final long readTimeoutMillis;
  private final HttpVersion version;
  private final JettyCallFactory callFactory;

  /**
   * @param owned whether {@link #close()} stops the client
   * @param version the HTTP version to ask for, {@code null} to let the client choose (ALPN over
   *     TLS, HTTP/1.1 on plain http)
   */
  public JettyTransport(HttpClient client, boolean owned, Map<String, String> endpointHeaders, String userAgent,
      Duration connectTimeout, Duration readTimeout, HttpVersion version, int maxBodyBytes) {
    this.client = client;
    this.owned = owned;
    this.endpointHeaders = Map.copyOf(endpointHeaders);
    this.userAgent = userAgent;
    this.connectTimeoutMillis = connectTimeout.toMillis();
    this.readTimeoutMillis = readTimeout.toMillis();
    this.version = version;
    this.callFactory = new JettyCallFactory(this, maxBodyBytes);
  }

  @Override
  public Call.Factory callFactory() {
    return callFactory;
  }

  @Override
  public Object client() {
    return client;
  }

  /** A request to {@code uri} with the endpoint's headers, the agent, the version and the timeouts. */
  Request newRequest(URI uri, String method) {
    Request request = client.newRequest(uri)
        .method(method)
        .agent(userAgent)
        .idleTimeout(readTimeoutMillis, TimeUnit.MILLISECONDS);
    if (version != null) {
      request.version(version);
    }
    if (!endpointHeaders.isEmpty()) {
      request.headers(headers -> endpointHeaders.forEach(headers::put));
    }
    if (connectTimeoutMillis < client.getConnectTimeout()) {
      armConnectDeadline(request);
    }
    return request;
  }

  /** Aborts {@code request} unless it is on a connection within the connect timeout. */
  private void armConnectDeadline(Request request) {
    Scheduler.Task deadline = client.getScheduler().schedule(
        () -> request.abort(new SocketTimeoutException("connect timed out after " + connectTimeoutMillis + " ms")),
        connectTimeoutMillis, TimeUnit.MILLISECONDS);
    request.onRequestBegin(r -> deadline.cancel());
    request.onComplete(r -> deadline.cancel());
  }

  @Override
  public void stream(HttpUrl url, ByteString body, String requestId, java.util.Map<String, String> extra,
      Duration callTimeout, SseStreamBridge bridge) {
    Request request = newRequest(url.uri(), HttpMethod.POST.asString())
        .headers(headers -> {
          extra.forEach(headers::put);
          headers.put(HttpHeader.ACCEPT, "text/event-stream").put("X-Request-Id", requestId);
        })
        .body(new BytesRequestContent("application/json; charset=utf-8", body.toByteArray()));
    long timeoutNanos = callTimeout.toNanos();
    Scheduler.Task headersDue = client.getScheduler().schedule(
        () -> request.abort(new TimeoutException("no reply headers within " + callTimeout.toMillis() + " ms")),
        timeoutNanos, TimeUnit.NANOSECONDS);
    bridge.attach(() -> request.abort(new CancellationException("the stream was cancelled or abandoned")));
    request.send(new StreamListener(bridge, headersDue));
  }

  @Override
  public void close() {
    if (owned) {
      JettyClients.stop(client);
    }
  }

  /**
   * The error reply behind a failure that a client's authentication handler made of a 401 or 407
   * without a challenge header ({@link JettyClients} removes those handlers; a client given to
   * share may keep them): its status is still the upstream's answer, though its body is lost.
   */
  static Response refusedByProtocolHandler(Result result) {
    if (result.isFailed() && result.getFailure() instanceof HttpResponseException refused) {
      Response response = refused.getResponse();
      if (response != null && response.getStatus() >= 400) {
        return response;
      }
    }
    return null;
  }

  /**
   * Reads one stream's reply: status and headers first, then the body with demand, as events or
   * (for a reply that is not an event stream) as a bounded body to classify.
   */
  private static final class StreamListener
      implements Response.HeadersListener, Response.ContentSourceListener, Response.CompleteListener {
    private final SseStreamBridge bridge;
    private final Scheduler.Task headersDue;
    private boolean events;
    private ByteArrayOutputStream body;
    private boolean classified;

    StreamListener(SseStreamBridge bridge, Scheduler.Task headersDue) {
      this.bridge = bridge;
      this.headersDue = headersDue;
    }

    @Override
    public void onHeaders(Response response) {
      headersDue.cancel();
      int status = response.getStatus();
      events = status >= 200 && status < 300
          && SseStreamBridge.isEventStream(response.getHeaders().get(HttpHeader.CONTENT_TYPE));
      if (!events) {
        body = new ByteArrayOutputStream();
      }
    }

    @Override
    public void onContentSource(Response response, Content.Source source) {
      // read while chunks are there, then ask to be called back when more arrive: no thread waits
      while (true) {
        Content.Chunk chunk = source.read();
        if (chunk == null) {
          source.demand(() -> onContentSource(response, source));
          return;
        }
        if (Content.Chunk.isFailure(chunk)) {
          if (!chunk.isLast()) {
            // a transient failure (an idle timeout) ends the stream all the same
            response.abort(chunk.getFailure());
          }
          // reported by onComplete
          return;
        }
        try {
          ByteBuffer bytes = chunk.getByteBuffer();
          if (events) {
            bridge.onBytes(bytes);
          } else if (collect(bytes)) {
            classify(response);
            response.abort(new CancellationException("the rest of the reply is not read"));
            return;
          }
        } finally {
          chunk.release();
        }
        if (chunk.isLast()) {
          return;
        }
      }
    }

    /** Keeps the start of a reply that is not a stream; true once enough is kept to classify it. */
    private boolean collect(ByteBuffer bytes) {
      int room = SseStreamBridge.MAX_ERROR_BODY - body.size();
      int take = Math.min(room, bytes.remaining());
      byte[] copy = new byte[take];
      bytes.get(copy);
      body.write(copy, 0, take);
      return body.size() >= SseStreamBridge.MAX_ERROR_BODY;
    }

    private void classify(Response response) {
      if (classified) {
        return;
      }
      classified = true;
      int status = response.getStatus();
      String text = body.toString(StandardCharsets.UTF_8);
      if (status >= 200 && status < 300) {
        bridge.onNotAStream(status, response.getHeaders().get(HttpHeader.CONTENT_TYPE), text);
      } else {
        bridge.onHttpError(status, response.getHeaders()::get, text);
      }
    }

    @Override
    public void onComplete(Result result) {
      headersDue.cancel();
      Response refused = refusedByProtocolHandler(result);
      if (refused != null) {
        bridge.onHttpError(refused.getStatus(), refused.getHeaders()::get, "");
        return;
      }
      Response response = result.getResponse();
      boolean gotHeaders = response != null && response.getStatus() > 0 && (events || body != null);
      if (gotHeaders && !events && (result.isSucceeded() || response.getStatus() >= 300)) {
        // an error reply is classified by its status, even if its body was cut
        classify(response);
      } else if (result.isFailed()) {
        bridge.onTransportFailure(result.getFailure());
      } else {
        bridge.onEnd();
      }
    }
  }
}
