package dev.sheepdog.adapter.openai.internal;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.ResponseBody;
import okio.AsyncTimeout;
import okio.BufferedSource;
import okio.ByteString;

/**
 * Carries calls on an OkHttp client an embedder gave to share: the option for those who already
 * run OkHttp (its interceptors, event listeners, proxies). The provider derives its own client
 * from the shared one (timeouts, headers), sharing its dispatcher and connection pool, and never
 * changes the shared one.
 *
 * <p>OkHttp blocks a dispatcher thread on each call's socket while it runs: a JSON call holds one
 * until its reply is read, a stream holds one for as long as it is open, feeding the body to the
 * same {@link SseEventParser} the Jetty transport uses. The dispatcher's own limits queue calls
 * past them; set them at least as high as the provider's.
 *
 * <p>While any such transport is open, {@link TimeoutHeartbeat} keeps Okio's timeout watchdog from
 * waking on every call.
 */
public final class OkHttpTransport implements UpstreamTransport {
  private static final MediaType JSON = MediaType.get("application/json; charset=utf-8");

  private final OkHttpClient shared;
  private final OkHttpClient client;

  public OkHttpTransport(OkHttpClient shared, EndpointHeaders endpointHeaders, Duration connectTimeout,
      Duration readTimeout, Duration writeTimeout) {
    this.shared = shared;
    this.client = shared.newBuilder()
        .connectTimeout(connectTimeout)
        .readTimeout(readTimeout)
        .writeTimeout(writeTimeout)
        // failover is the router's job; a silent retry here would hide failures from it
        .retryOnConnectionFailure(false)
        .addInterceptor(endpointHeaders)
        .build();
    // fewer wake-ups of Okio's timeout thread per call; released by close()
    TimeoutHeartbeat.acquire();
  }

  @Override
  public Call.Factory callFactory() {
    return client;
  }

  @Override
  public Object client() {
    return shared.dispatcher();
  }

  @Override
  public void stream(okhttp3.HttpUrl url, ByteString body, String requestId, java.util.Map<String, String> extra,
      Duration callTimeout, SseStreamBridge bridge) {
    Request.Builder builder = new Request.Builder().url(url);
    extra.forEach(builder::header);
    Request request = builder
        .header("Accept", "text/event-stream")
        .header("X-Request-Id", requestId)
        .post(RequestBody.create(body, JSON))
        .build();
    Call call = client.newCall(request);
    call.timeout().timeout(callTimeout.toNanos(), TimeUnit.NANOSECONDS);
    bridge.attach(call::cancel);
    call.enqueue(new Callback() {
      @Override
      public void onFailure(Call call, IOException failure) {
        bridge.onTransportFailure(failure);
      }

      @Override
      public void onResponse(Call call, Response response) {
        // the call timeout runs until the headers, as for OkHttp's own event sources; the read
        // timeout bounds each silence after them
        if (call.timeout() instanceof AsyncTimeout timeout) {
          timeout.exit();
        }
        try (response) {
          read(response, bridge);
        } catch (IOException failure) {
          bridge.onTransportFailure(failure);
        }
      }
    });
  }

  private static void read(Response response, SseStreamBridge bridge) throws IOException {
    ResponseBody body = response.body();
    int status = response.code();
    String contentType = response.header("Content-Type");
    if (!response.isSuccessful()) {
      bridge.onHttpError(status, response.headers()::get, response.peekBody(SseStreamBridge.MAX_ERROR_BODY).string());
      return;
    }
    if (!SseStreamBridge.isEventStream(contentType)) {
      bridge.onNotAStream(status, contentType, response.peekBody(SseStreamBridge.MAX_ERROR_BODY).string());
      return;
    }
    BufferedSource source = body.source();
    byte[] bytes = new byte[8192];
    int read;
    // on to the end even after [DONE], unheard, so the connection can be reused; a cancelled or
    // failed stream's call is cancelled, and this read throws
    while ((read = source.read(bytes)) != -1) {
      bridge.onBytes(bytes, 0, read);
    }
    bridge.onEnd();
  }

  @Override
  public void close() {
    TimeoutHeartbeat.release();
  }
}
