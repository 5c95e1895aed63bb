package dev.sheepdog.gateway;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import org.eclipse.jetty.util.Callback;

/**
 * Writes server-sent events in order without blocking the caller, holding at most a fixed number
 * of bytes for a client that reads slower than the upstream writes.
 *
 * <p>Jetty allows one write in flight per response; events arrive from the router's I/O threads
 * faster than a slow client may take them. So events queue here and each completed write starts
 * the next. The queue is bounded in bytes: an event that would take it past the cap is not queued;
 * instead the queue is dropped, {@code overflowEvent} (an error event) becomes the last event, and
 * {@link Listener#overflowed()} runs once, which cancels the upstream call. A failed write means
 * the client went away (or stopped reading past the write deadline): the rest is dropped and {@link
 * Listener#clientGone(Throwable)} runs once. All state is guarded by {@code this}; Jetty is never
 * called while holding the lock, since a write may complete on the calling thread.
 */
final class SseResponse {
  /** What a stream's owner hears. */
  interface Listener {
    /** The client read too slowly and the cap was reached; the stream now ends with the overflow event. */
    void overflowed();

    /** A write failed: the client is gone. */
    void clientGone(Throwable failure);
  }

  private final Exchange exchange;
  private final long maxQueuedBytes;
  private final Listener listener;
  private final ArrayDeque<Event> queue = new ArrayDeque<>();
  private long queuedBytes;
  private boolean writing;
  private boolean finished;
  /** The cap was reached: events are dropped until the owner {@linkplain #end ends} the stream. */
  private boolean overflowing;

  private record Event(byte[] bytes, boolean last) {}

  SseResponse(Exchange exchange, long maxQueuedBytes, Listener listener) {
    this.exchange = exchange;
    this.maxQueuedBytes = maxQueuedBytes;
    this.listener = listener;
  }

  /** Sends {@code data: payload}; {@code last} ends the response after it. */
  void data(String payload, boolean last) {
    send(("data: " + payload + "\n\n").getBytes(StandardCharsets.UTF_8), last);
  }

  /** Sends {@code : text}, a comment line: event-stream parsers skip it, so clients that do not look for it never notice. */
  void comment(String text) {
    send((": " + text + "\n").getBytes(StandardCharsets.UTF_8), false);
  }

  /**
   * Ends the stream with {@code payload} as its last data event, dropping whatever still waits;
   * for an end that must not queue behind events the client is not reading.
   */
  void end(String payload) {
    Event event;
    synchronized (this) {
      if (finished) {
        return;
      }
      finished = true;
      queue.clear();
      queuedBytes = 0;
      event = new Event(("data: " + payload + "\n\n").getBytes(StandardCharsets.UTF_8), true);
      if (writing) {
        queue.add(event);
        queuedBytes = event.bytes().length;
        return;
      }
      writing = true;
    }
    write(event);
  }

  private void send(byte[] bytes, boolean last) {
    Event event;
    boolean overflow = false;
    synchronized (this) {
      if (finished || overflowing) {
        return;
      }
      if (writing && queuedBytes + bytes.length > maxQueuedBytes) {
        overflowing = true;
        overflow = true;
        event = null;
      } else {
        finished = last;
        if (writing) {
          queue.add(new Event(bytes, last));
          queuedBytes += bytes.length;
          return;
        }
        writing = true;
        event = new Event(bytes, last);
      }
    }
    if (overflow) {
      listener.overflowed();
      return;
    }
    write(event);
  }

  private void write(Event event) {
    exchange.write(event.last(), ByteBuffer.wrap(event.bytes()), new Callback() {
      @Override
      public void succeeded() {
        if (event.last()) {
          exchange.callback().succeeded();
          return;
        }
        Event next;
        synchronized (SseResponse.this) {
          next = queue.poll();
          if (next == null) {
            writing = false;
            return;
          }
          queuedBytes -= next.bytes().length;
        }
        write(next);
      }

      @Override
      public void failed(Throwable failure) {
        synchronized (SseResponse.this) {
          finished = true;
          queue.clear();
          queuedBytes = 0;
        }
        listener.clientGone(failure);
        exchange.callback().failed(failure);
      }
    });
  }
}
