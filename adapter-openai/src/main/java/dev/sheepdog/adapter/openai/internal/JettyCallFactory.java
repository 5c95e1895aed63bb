package dev.sheepdog.adapter.openai.internal;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import kotlin.jvm.JvmClassMappingKt;
import kotlin.jvm.functions.Function0;
import kotlin.reflect.KClass;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.Headers;
import okhttp3.MediaType;
import okhttp3.Protocol;
import okhttp3.RequestBody;
import okhttp3.ResponseBody;
import okio.Buffer;
import okio.Timeout;
import org.eclipse.jetty.client.BytesRequestContent;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpVersion;

/**
 * Lets Retrofit's JSON calls run on Jetty: an OkHttp {@link Call.Factory} whose calls are Jetty
 * requests. Retrofit keeps building the requests from {@code OpenAiApi} and reading the replies;
 * only the transport underneath changes.
 *
 * <ul>
 *   <li>{@code enqueue} sends without blocking; the callback runs on the client's pool when the
 *       whole reply has arrived.
 *   <li>{@code execute} waits for the same result on the caller's thread, as a synchronous API
 *       does.
 *   <li>{@code cancel} aborts the Jetty request, which closes its connection, so the upstream
 *       sees the call go.
 *   <li>{@code timeout()} is the whole call's limit: Jetty's total timeout.
 *   <li>The reply body is buffered, up to {@code maxBodyBytes}; past it the call fails with {@link
 *       ResponseTooLargeException}, classified as a malformed reply.
 * </ul>
 */
final class JettyCallFactory implements Call.Factory {
  private final JettyTransport transport;
  private final int maxBodyBytes;

  JettyCallFactory(JettyTransport transport, int maxBodyBytes) {
    this.transport = transport;
    this.maxBodyBytes = maxBodyBytes;
  }

  @Override
  public Call newCall(okhttp3.Request request) {
    return new JettyCall(request);
  }

  private final class JettyCall implements Call {
    private final okhttp3.Request request;
    private final Timeout timeout = new Timeout();
    private final AtomicBoolean executed = new AtomicBoolean();
    private final Map<Class<?>, Object> tags = new ConcurrentHashMap<>();
    private volatile boolean canceled;
    private volatile Request sent;

    JettyCall(okhttp3.Request request) {
      this.request = request;
    }

    @Override
    public okhttp3.Request request() {
      return request;
    }

    @Override
    public okhttp3.Response execute() throws IOException {
      CompletableFuture<okhttp3.Response> result = start();
      try {
        return result.get();
      } catch (InterruptedException e) {
        cancel();
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while waiting for the reply");
      } catch (ExecutionException e) {
        throw TransportFailure.of(e.getCause());
      }
    }

    @Override
    public void enqueue(Callback callback) {
      start().whenComplete((response, failure) -> {
        if (failure != null) {
          callback.onFailure(this, TransportFailure.of(failure));
          return;
        }
        try {
          callback.onResponse(this, response);
        } catch (IOException | RuntimeException e) {
          // as OkHttp does once a callback was signalled: the reply is the callback's to close
          response.close();
        }
      });
    }

    private CompletableFuture<okhttp3.Response> start() {
      if (!executed.compareAndSet(false, true)) {
        throw new IllegalStateException("Already Executed");
      }
      CompletableFuture<okhttp3.Response> result = new CompletableFuture<>();
      Request jetty;
      try {
        jetty = toJetty();
      } catch (IOException | RuntimeException e) {
        result.completeExceptionally(e);
        return result;
      }
      sent = jetty;
      if (canceled) {
        // cancel() ran before the request existed
        jetty.abort(new IOException("Canceled"));
      }
      jetty.send(new BufferingListener(result));
      return result;
    }

    private Request toJetty() throws IOException {
      Request jetty = transport.newRequest(request.url().uri(), request.method());
      Headers headers = request.headers();
      RequestBody body = request.body();
      jetty.headers(fields -> {
        for (int i = 0; i < headers.size(); i++) {
          fields.add(headers.name(i), headers.value(i));
        }
      });
      if (body != null) {
        Buffer bytes = new Buffer();
        body.writeTo(bytes);
        MediaType type = body.contentType();
        jetty.body(type == null ? new BytesRequestContent(bytes.readByteArray())
            : new BytesRequestContent(type.toString(), bytes.readByteArray()));
      }
      long timeoutNanos = timeout.timeoutNanos();
      if (timeoutNanos > 0) {
        jetty.timeout(timeoutNanos, TimeUnit.NANOSECONDS);
      }
      return jetty;
    }

    @Override
    public void cancel() {
      canceled = true;
      Request jetty = sent;
      if (jetty != null) {
        jetty.abort(new IOException("Canceled"));
      }
    }

    @Override
    public boolean isExecuted() {
      return executed.get();
    }

    @Override
    public boolean isCanceled() {
      return canceled;
    }

    @Override
    public Timeout timeout() {
      return timeout;
    }

    @Override
    public <T> T tag(Class<? extends T> type) {
      @SuppressWarnings("unchecked")
      T tag = (T) tags.get(type);
      return tag;
    }

    @Override
    public <T> T tag(KClass<T> type) {
      return tag(JvmClassMappingKt.getJavaClass(type));
    }

    @Override
    public <T> T tag(Class<T> type, Function0<? extends T> computeIfAbsent) {
      return type.cast(tags.computeIfAbsent(type, t -> computeIfAbsent.invoke()));
    }

    @Override
    public <T> T tag(KClass<T> type, Function0<? extends T> computeIfAbsent) {
      return tag(JvmClassMappingKt.getJavaClass(type), computeIfAbsent);
    }

    @Override
    @SuppressWarnings("MethodDoesntCallSuperMethod")
    public Call clone() {
      return new JettyCall(request);
    }

    /** Buffers a reply up to the bound, then completes {@code result} with it as OkHttp's. */
    private final class BufferingListener implements Response.Listener {
      private final CompletableFuture<okhttp3.Response> result;
      private final Buffer body = new Buffer();

      BufferingListener(CompletableFuture<okhttp3.Response> result) {
        this.result = result;
      }

      /** Set when an error reply's start was kept and the rest left unread. */
      private volatile ErrorBodyCut cut;

      @Override
      public void onHeaders(Response response) {
        long length = response.getHeaders().getLongField(HttpHeader.CONTENT_LENGTH);
        if (length > maxBodyBytes && !isError(response)) {
          response.abort(new ResponseTooLargeException(maxBodyBytes));
        }
      }

      @Override
      public void onContent(Response response, ByteBuffer content) {
        if (isError(response) && body.size() + content.remaining() > SseStreamBridge.MAX_ERROR_BODY) {
          // an error is classified by its status and its start; the rest of a long page says nothing more
          ByteBuffer head = content.slice();
          head.limit((int) Math.min(head.remaining(), Math.max(0, SseStreamBridge.MAX_ERROR_BODY - body.size())));
          write(response, head);
          cut = new ErrorBodyCut(response);
          response.abort(cut);
          return;
        }
        if (body.size() + content.remaining() > maxBodyBytes) {
          response.abort(new ResponseTooLargeException(maxBodyBytes));
          return;
        }
        write(response, content);
      }

      private void write(Response response, ByteBuffer content) {
        try {
          body.write(content);
        } catch (IOException impossible) {
          response.abort(impossible);
        }
      }

      @Override
      public void onComplete(Result outcome) {
        Response refused = JettyTransport.refusedByProtocolHandler(outcome);
        if (refused != null) {
          // a client whose protocol handler took a 401 or 407 without its challenge: the status remains
          result.complete(toOkHttp(refused, new Buffer()));
        } else if (outcome.isFailed() && cut != null && outcome.getFailure() == cut) {
          result.complete(toOkHttp(cut.response, body));
        } else if (outcome.isFailed()) {
          result.completeExceptionally(outcome.getFailure());
        } else {
          result.complete(toOkHttp(outcome.getResponse(), body));
        }
      }
    }

    private static boolean isError(Response response) {
      return response.getStatus() < 200 || response.getStatus() >= 300;
    }

    private okhttp3.Response toOkHttp(Response response, Buffer body) {
      Headers.Builder headers = new Headers.Builder();
      for (HttpField field : response.getHeaders()) {
        if (field.getName() != null && field.getValue() != null) {
          headers.addUnsafeNonAscii(field.getName(), field.getValue());
        }
      }
      String contentType = response.getHeaders().get(HttpHeader.CONTENT_TYPE);
      MediaType type = contentType == null ? null : MediaType.parse(contentType);
      String reason = response.getReason();
      return new okhttp3.Response.Builder()
          .request(request)
          .protocol(response.getVersion() == HttpVersion.HTTP_2 ? Protocol.HTTP_2
              : response.getVersion() == HttpVersion.HTTP_1_0 ? Protocol.HTTP_1_0 : Protocol.HTTP_1_1)
          .code(response.getStatus())
          .message(reason == null ? "" : reason)
          .headers(headers.build())
          .body(ResponseBody.create(body, type, body.size()))
          .build();
    }
  }

  /** Ends the transfer of an error reply once its start is kept; not a failure of the call. */
  private static final class ErrorBodyCut extends Exception {
    private static final long serialVersionUID = 1L;

    private final transient Response response;

    ErrorBodyCut(Response response) {
      super("the rest of an error reply is not read", null, false, false);
      this.response = response;
    }
  }
}
