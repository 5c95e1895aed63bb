package dev.sheepdog.adapter.openai.internal;

import dev.sheepdog.spi.ChatChunk;
import dev.sheepdog.spi.ProviderException;
import dev.sheepdog.spi.StreamHandle;
import dev.sheepdog.spi.StreamListener;
import java.io.IOException;
import java.util.Map;
import okhttp3.Response;
import okhttp3.ResponseBody;
import okhttp3.sse.EventSource;
import okhttp3.sse.EventSourceListener;

/**
 * Feeds one server-sent-event stream of chat-completion chunks to a {@link StreamListener}, and
 * makes sure the listener hears exactly one ending.
 *
 * <p>Concurrency: OkHttp delivers every event of a stream on one dispatcher thread, in order;
 * {@link #cancel()} may come from any thread at any time. Both take this object's lock around the
 * listener call and the {@code ended} flag, so nothing reaches the listener once {@code cancel}
 * has returned. Listener calls are required to be quick, so holding the lock through them is fine.
 *
 * <p>Endings: {@code [DONE]} completes the stream. So does the upstream closing the stream after
 * a finish reason (some OpenAI-compatible servers never send {@code [DONE]}). A clean close
 * with neither is MALFORMED_RESPONSE, an error object is classified by its type and code, and a
 * broken connection by its exception (TIMEOUT for the idle timeout, UNAVAILABLE otherwise): the
 * listener never sees a short answer end normally.
 */
public final class SseStreamBridge extends EventSourceListener implements StreamHandle {
  private static final String END_MARKER = "[DONE]";
  private static final int MAX_ERROR_BODY = 64 * 1024;

  private final StreamListener listener;
  private final FailureClassifier classifier;
  private volatile EventSource source;
  private boolean ended;
  private boolean cancelled;
  private boolean sawData;
  private boolean sawFinishReason;

  public SseStreamBridge(StreamListener listener, FailureClassifier classifier) {
    this.listener = listener;
    this.classifier = classifier;
  }

  /** Called once, right after the event source is created. */
  public void attach(EventSource source) {
    this.source = source;
    synchronized (this) {
      if (cancelled) {
        source.cancel();
      }
    }
  }

  @Override
  public void cancel() {
    EventSource toCancel;
    synchronized (this) {
      if (cancelled) {
        return;
      }
      cancelled = true;
      ended = true;
      toCancel = source;
    }
    if (toCancel != null) {
      toCancel.cancel();
    }
  }

  @Override
  public void onEvent(EventSource eventSource, String id, String type, String data) {
    if (isEnded()) {
      return;
    }
    String payload = data.strip();
    if (END_MARKER.equals(payload)) {
      complete();
      return;
    }
    if (payload.isEmpty()) {
      return;
    }
    ChatChunk chunk;
    try {
      Map<String, Object> json = ChatCompletionCodec.map(ChatCompletionCodec.parse(payload, 200), "stream event", 200);
      Object error = json.get("error");
      if (error != null || "error".equals(type)) {
        fail(classifier.fromErrorObject(200, error == null ? json : error), eventSource);
        return;
      }
      chunk = ChatCompletionCodec.decodeChunk(json, 200);
    } catch (ProviderException e) {
      fail(e, eventSource);
      return;
    } catch (RuntimeException e) {
      fail(classifier.fromTransport(e, false), eventSource);
      return;
    }
    deliver(chunk);
  }

  @Override
  public void onClosed(EventSource eventSource) {
    boolean whole;
    synchronized (this) {
      whole = sawFinishReason;
    }
    if (whole) {
      complete();
    } else {
      fail(classifier.streamCut(sawDataSafely()), null);
    }
  }

  @Override
  public void onFailure(EventSource eventSource, Throwable failure, Response response) {
    if (isEnded()) {
      return;
    }
    ProviderException classified;
    if (response != null && !response.isSuccessful()) {
      classified = classifier.fromHttp(response.code(), response.headers(), bodyOf(response));
    } else if (response != null && failure == null) {
      classified = classifier.fromTransport(new IllegalStateException("stream failed"), false);
    } else if (response != null && !(failure instanceof IOException)) {
      // a 200 that is not an event stream: an error object in JSON, or something else entirely
      classified = notAStream(response);
    } else {
      synchronized (this) {
        if (sawFinishReason && failure instanceof IOException) {
          // the answer was whole; only the trailing usage or [DONE] was lost
          classified = null;
        } else {
          classified = classifier.fromTransport(failure, cancelled);
        }
      }
      if (classified == null) {
        complete();
        return;
      }
    }
    fail(classified, null);
  }

  private ProviderException notAStream(Response response) {
    String body = bodyOf(response);
    try {
      Map<String, Object> json = ChatCompletionCodec.map(ChatCompletionCodec.parse(body, response.code()), "reply", response.code());
      if (json.get("error") != null) {
        return classifier.fromErrorObject(response.code(), json.get("error"));
      }
    } catch (ProviderException notJson) {
      // reported below
    }
    return new ProviderException(
        dev.sheepdog.spi.FailureKind.MALFORMED_RESPONSE,
        response.code(),
        classifier.message("expected an event stream, got " + response.header("Content-Type", "no content type")),
        null,
        null);
  }

  private static String bodyOf(Response response) {
    ResponseBody body = response.body();
    try {
      return body == null ? "" : response.peekBody(MAX_ERROR_BODY).string();
    } catch (IOException | IllegalStateException e) {
      return "";
    }
  }

  private synchronized boolean isEnded() {
    return ended;
  }

  private synchronized boolean sawDataSafely() {
    return sawData;
  }

  private synchronized void deliver(ChatChunk chunk) {
    if (ended) {
      return;
    }
    sawData = true;
    if (chunk.finishReason() != null) {
      sawFinishReason = true;
    }
    listener.onChunk(chunk);
  }

  private synchronized void complete() {
    if (ended) {
      return;
    }
    ended = true;
    listener.onComplete();
  }

  private void fail(ProviderException failure, EventSource toCancel) {
    // the codec's failures describe what the upstream sent; scrubbed outside the lock
    ProviderException scrubbed = classifier.scrubbed(failure);
    synchronized (this) {
      if (ended) {
        return;
      }
      ended = true;
      listener.onError(scrubbed);
    }
    if (toCancel != null) {
      // stop reading a stream we have given up on
      toCancel.cancel();
    }
  }
}
