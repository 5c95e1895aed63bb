package dev.sheepdog.adapter.openai.internal;

import dev.sheepdog.spi.ChatChunk;
import dev.sheepdog.spi.FailureKind;
import dev.sheepdog.spi.ProviderException;
import dev.sheepdog.spi.StreamHandle;
import dev.sheepdog.spi.StreamListener;
import java.nio.ByteBuffer;
import java.util.Locale;
import java.util.Map;

/**
 * Turns one streamed chat completion, as a transport receives it, into calls of a {@link
 * StreamListener}, and makes sure the listener hears exactly one ending. The protocol lives here
 * and in {@link SseEventParser}; a transport only reports what happened on the wire: a status that
 * is not an event stream, bytes of the body, its end, or a failure.
 *
 * <p>Concurrency: a transport reports one stream's bytes in order, one call at a time (Jetty from
 * its demand callbacks, OkHttp from its dispatcher thread); {@link #cancel()} may come from any
 * thread at any time. Listener calls and the {@code ended} flag are guarded by this object's lock,
 * so nothing reaches the listener once {@code cancel} has returned. Listener calls are required
 * to be quick, so holding the lock through them is fine. The parser is touched only by the
 * reporting thread.
 *
 * <p>Endings: {@code [DONE]} completes the stream. So does the upstream closing the stream after
 * a finish reason (some OpenAI-compatible servers never send {@code [DONE]}), or failing after
 * one (only the trailing usage or {@code [DONE]} was lost). A clean close with neither is
 * MALFORMED_RESPONSE, an error object is classified by its type and code, an event past the
 * parser's bound is MALFORMED_RESPONSE, and a broken connection by its exception (TIMEOUT for
 * the idle timeout, UNAVAILABLE otherwise): the listener never sees a short answer end normally.
 * Whatever the ending, {@code onEnded} runs once, just before the listener hears it.
 */
public final class SseStreamBridge implements StreamHandle {
  /** The most of a reply that is not an event stream read to classify it. */
  public static final int MAX_ERROR_BODY = 64 * 1024;

  private static final String END_MARKER = "[DONE]";

  private final StreamListener listener;
  private final FailureClassifier classifier;
  private final SseEventParser parser;
  private final Runnable onEnded;
  private Runnable abort;
  private boolean ended;
  private boolean cancelled;
  private boolean sawData;
  private boolean sawFinishReason;

  /**
   * @param onEnded runs once when the stream has ended, however it ended (releases the call's
   *     permit)
   */
  public SseStreamBridge(StreamListener listener, FailureClassifier classifier, int maxEventBytes, Runnable onEnded) {
    this.listener = listener;
    this.classifier = classifier;
    this.parser = new SseEventParser(this::onEvent, maxEventBytes);
    this.onEnded = onEnded;
  }

  /** Called once, when the transport's call exists: how to abort it. */
  public void attach(Runnable abort) {
    boolean abortNow;
    synchronized (this) {
      this.abort = abort;
      abortNow = ended;
    }
    if (abortNow) {
      abort.run();
    }
  }

  @Override
  public void cancel() {
    Runnable toAbort;
    boolean wasEnded;
    synchronized (this) {
      if (cancelled) {
        return;
      }
      cancelled = true;
      wasEnded = ended;
      ended = true;
      toAbort = abort;
    }
    if (toAbort != null) {
      toAbort.run();
    }
    if (!wasEnded) {
      onEnded.run();
    }
  }

  /** Whether the listener has heard its ending (or the stream was cancelled): stop reading. */
  public synchronized boolean isEnded() {
    return ended;
  }

  /** Whether the content type names an event stream. */
  public static boolean isEventStream(String contentType) {
    return contentType != null && contentType.toLowerCase(Locale.ROOT).startsWith("text/event-stream");
  }

  /** A reply with a status that is not 2xx, and as much of its body as was read. */
  public void onHttpError(int status, HeaderLookup headers, String body) {
    fail(classifier.fromHttp(status, headers, body));
  }

  /** A 2xx reply that is not an event stream: an error object in JSON, or something else entirely. */
  public void onNotAStream(int status, String contentType, String body) {
    ProviderException failure;
    try {
      Map<String, Object> json = Replies.object(body, "the reply", status);
      failure = json.get("error") != null ? classifier.fromErrorObject(status, json.get("error")) : null;
    } catch (ProviderException notJson) {
      failure = null;
    }
    if (failure == null) {
      failure = new ProviderException(FailureKind.MALFORMED_RESPONSE, status,
          classifier.message("expected an event stream, got " + (contentType == null ? "no content type" : contentType)),
          null, null);
    }
    fail(failure);
  }

  /** Bytes of the event stream, in order. */
  public void onBytes(ByteBuffer bytes) {
    if (isEnded()) {
      return;
    }
    try {
      parser.feed(bytes);
    } catch (ProviderException e) {
      fail(e);
    }
  }

  /** Bytes of the event stream, in order. */
  public void onBytes(byte[] bytes, int offset, int length) {
    if (isEnded()) {
      return;
    }
    try {
      parser.feed(bytes, offset, length);
    } catch (ProviderException e) {
      fail(e);
    }
  }

  /** The upstream closed the stream cleanly. */
  public void onEnd() {
    boolean whole;
    boolean data;
    synchronized (this) {
      whole = sawFinishReason;
      data = sawData;
    }
    if (whole) {
      complete();
    } else {
      fail(classifier.streamCut(data));
    }
  }

  /** The call failed below HTTP: refused, reset, timed out. */
  public void onTransportFailure(Throwable failure) {
    ProviderException classified;
    synchronized (this) {
      if (ended) {
        return;
      }
      // the answer was whole; only the trailing usage or [DONE] was lost
      classified = sawFinishReason ? null : classifier.fromTransport(failure, cancelled);
    }
    if (classified == null) {
      complete();
    } else {
      fail(classified);
    }
  }

  private void onEvent(String type, String data) {
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
      Map<String, Object> json = Replies.object(payload, "the stream event", 200);
      Object error = json.get("error");
      if (error != null || "error".equals(type)) {
        fail(classifier.fromErrorObject(200, error == null ? json : error));
        return;
      }
      chunk = Replies.chunk(json, 200);
    } catch (ProviderException e) {
      fail(e);
      return;
    } catch (RuntimeException e) {
      fail(classifier.fromTransport(e, false));
      return;
    }
    deliver(chunk);
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

  private void complete() {
    synchronized (this) {
      if (ended) {
        return;
      }
      ended = true;
      // released before the listener hears the end, so it may start another call at once
      onEnded.run();
      listener.onComplete();
    }
    // the transport reads on to the end of the body, unheard, so the connection can be reused
  }

  private void fail(ProviderException failure) {
    // the codec's failures describe what the upstream sent; scrubbed outside the lock
    ProviderException scrubbed = classifier.scrubbed(failure);
    Runnable toAbort;
    synchronized (this) {
      if (ended) {
        return;
      }
      ended = true;
      onEnded.run();
      listener.onError(scrubbed);
      toAbort = abort;
    }
    if (toAbort != null) {
      // stop reading a stream we have given up on
      toAbort.run();
    }
  }
}
