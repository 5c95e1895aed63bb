package dev.sheepdog.gateway;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.function.Consumer;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * Writes server-sent events in order without blocking the caller.
 *
 * <p>Jetty allows one write in flight per response; events arrive from the router's I/O threads
 * faster than a slow client may take them. So events queue here and each completed write starts
 * the next. A failed write means the client went away: the rest is dropped and {@code onClientGone}
 * runs once, which cancels the upstream call. All state is guarded by {@code this}; Jetty is never
 * called while holding the lock, since a write may complete on the calling thread.
 */
final class SseResponse {
  private final Response response;
  private final Callback done;
  private final Consumer<Throwable> onClientGone;
  private final ArrayDeque<Event> queue = new ArrayDeque<>();
  private boolean writing;
  private boolean finished;

  private record Event(String text, boolean last) {}

  SseResponse(Response response, Callback done, Consumer<Throwable> onClientGone) {
    this.response = response;
    this.done = done;
    this.onClientGone = onClientGone;
  }

  /** Sends {@code data: payload}; {@code last} ends the response after it. */
  void data(String payload, boolean last) {
    send("data: " + payload + "\n\n", last);
  }

  /** Sends {@code : text}, a comment line: event-stream parsers skip it, so clients that do not look for it never notice. */
  void comment(String text) {
    send(": " + text + "\n", false);
  }

  private void send(String text, boolean last) {
    Event event;
    synchronized (this) {
      if (finished) {
        return;
      }
      finished = last;
      queue.add(new Event(text, last));
      if (writing) {
        return;
      }
      writing = true;
      event = queue.poll();
    }
    write(event);
  }

  private void write(Event event) {
    response.write(event.last(), ByteBuffer.wrap(event.text().getBytes(StandardCharsets.UTF_8)), new Callback() {
      @Override
      public void succeeded() {
        if (event.last()) {
          done.succeeded();
          return;
        }
        Event next;
        synchronized (SseResponse.this) {
          next = queue.poll();
          if (next == null) {
            writing = false;
            return;
          }
        }
        write(next);
      }

      @Override
      public void failed(Throwable failure) {
        synchronized (SseResponse.this) {
          finished = true;
          queue.clear();
        }
        onClientGone.accept(failure);
        done.failed(failure);
      }
    });
  }
}
