package dev.sheepdog.gateway.demo;

import com.squareup.moshi.JsonAdapter;
import com.squareup.moshi.Moshi;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.Flow;

/**
 * Reads a {@code text/event-stream} body line by line, as {@code HttpResponse.BodyHandlers
 * .fromLineSubscriber} delivers it: {@code data:} lines accumulate until a blank line ends the
 * event; comments ({@code :}) and other fields are ignored. A chat-completions stream is whole
 * only when it ends with {@code data: [DONE]}; an event whose JSON has an {@code error} member is
 * the gateway ending a stream it could not finish.
 *
 * <p>One instance per response; the HTTP client calls it from one thread at a time.
 */
final class SseBody implements Flow.Subscriber<String> {
  private static final JsonAdapter<Object> JSON = new Moshi.Builder().build().adapter(Object.class);

  /** How a stream ended. */
  enum Ending {
    /** {@code [DONE]} arrived: the answer is whole. */
    DONE,
    /** An error event arrived after the stream had started. */
    ERROR_EVENT,
    /** The body ended without {@code [DONE]}: a truncated answer. */
    TRUNCATED
  }

  /** What the stream delivered: its chunks and how it ended. */
  record Outcome(int chunks, Ending ending) {}

  private final StringBuilder data = new StringBuilder();
  private boolean hasData;
  private int chunks;
  private Ending ending;

  @Override
  public void onSubscribe(Flow.Subscription subscription) {
    subscription.request(Long.MAX_VALUE);
  }

  @Override
  public void onNext(String line) {
    if (line.isEmpty()) {
      dispatch();
    } else if (line.startsWith("data:")) {
      if (hasData) {
        data.append('\n');
      }
      data.append(line, line.startsWith("data: ") ? 6 : 5, line.length());
      hasData = true;
    }
    // ":" comments, event:, id: and retry: carry nothing a chat stream needs
  }

  @Override
  public void onError(Throwable throwable) {
    // the response future completes exceptionally; nothing to keep
  }

  @Override
  public void onComplete() {
    dispatch();
  }

  /** How the stream ended; call after the body completed. */
  Outcome outcome() {
    return new Outcome(chunks, ending == null ? Ending.TRUNCATED : ending);
  }

  private void dispatch() {
    if (!hasData) {
      return;
    }
    String event = data.toString();
    data.setLength(0);
    hasData = false;
    if (ending != null) {
      return;
    }
    if (event.equals("[DONE]")) {
      ending = Ending.DONE;
    } else if (isError(event)) {
      ending = Ending.ERROR_EVENT;
    } else {
      chunks++;
    }
  }

  private static boolean isError(String event) {
    try {
      return JSON.fromJson(event) instanceof Map<?, ?> json && json.containsKey("error");
    } catch (IOException | RuntimeException e) {
      // not JSON: not a chunk either
      return true;
    }
  }
}
