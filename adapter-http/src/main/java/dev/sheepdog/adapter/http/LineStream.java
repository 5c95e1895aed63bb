package dev.sheepdog.adapter.http;

import dev.sheepdog.spi.ChatChunk;
import dev.sheepdog.spi.ProviderException;
import dev.sheepdog.spi.StreamHandle;
import dev.sheepdog.spi.StreamListener;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.http.HttpFields;

/**
 * One stream of {@link HttpCalls#streamLines}. Every signal to the listener is given under this
 * object's lock, and only while {@code over} is false; the signal that ends the stream sets it, and
 * so does {@link #cancel()}, which takes the lock first: one end, and nothing once {@code cancel()}
 * has returned. Aborting the request is always done outside the lock (an abort may complete the
 * exchange on the calling thread, or on Jetty's).
 */
final class LineStream implements Response.Listener, StreamHandle {
  private final Request request;
  private final StreamListener listener;
  private final LineHandler lines;
  private final HttpCalls calls;
  private final Redactor redactor;
  private final Bytes buffer = new Bytes(); // the line being read, or an error reply's body
  private volatile ScheduledFuture<?> firstLineDue;
  private int status;
  private HttpFields headers;
  private boolean over;
  private long dropped;

  LineStream(Request request, StreamListener listener, LineHandler lines, HttpCalls calls, Redactor redactor) {
    this.request = request;
    this.listener = listener;
    this.lines = lines;
    this.calls = calls;
    this.redactor = redactor;
  }

  void start(Duration firstLineTimeout) {
    firstLineDue = Timers.schedule(() -> request.abort(new TimeoutException(
        "no line within " + firstLineTimeout.toMillis() + " ms")), firstLineTimeout);
    try {
      request.send(this);
    } catch (RuntimeException notSent) {
      firstLineDue.cancel(false);
      synchronized (this) {
        end(Failures.ofFailure(notSent, calls.errors(), redactor));
      }
    }
  }

  @Override
  public synchronized void onHeaders(Response response) {
    status = response.getStatus();
    headers = response.getHeaders();
  }

  @Override
  public void onContent(Response response, ByteBuffer content) {
    Throwable abort;
    synchronized (this) {
      abort = Failures.isSuccess(status) ? readLines(content) : readError(content);
    }
    if (abort != null) {
      request.abort(abort);
    }
  }

  /** Splits the body into lines; a cause to abort the exchange with, or {@code null} to read on. */
  private Throwable readLines(ByteBuffer content) {
    while (content.hasRemaining()) {
      if (over) { // ended (the rest is read and dropped, up to the bound) or cancelled
        dropped += content.remaining();
        content.position(content.limit());
        return dropped > calls.maxBytes() ? new CancellationException("more after the stream's end") : null;
      }
      int newline = indexOf(content, (byte) '\n');
      int length = (newline < 0 ? content.limit() : newline) - content.position();
      if (buffer.size() + length > calls.maxBytes()) {
        return fail(Failures.malformed(status, "a line over " + calls.maxBytes() + " bytes", null, redactor));
      }
      buffer.append(content, length);
      if (newline < 0) {
        return null;
      }
      content.get(); // the '\n'
      String line = buffer.line();
      buffer.clear();
      Throwable abort = onLine(line);
      if (abort != null) {
        return abort;
      }
    }
    return null;
  }

  private Throwable onLine(String line) {
    if (line.isBlank()) {
      return null; // a keep-alive: it does not stop the first-line deadline
    }
    firstLineDue.cancel(false);
    Out out = new Out();
    try {
      lines.onLine(line, out);
    } catch (Exception unreadable) {
      return fail(Failures.ofReader(unreadable, status, "a line that could not be read", redactor));
    } finally {
      out.closed = true;
    }
    for (ChatChunk chunk : out.chunks) {
      if (over) {
        return null; // the listener cancelled the stream from onChunk
      }
      listener.onChunk(chunk);
    }
    if (out.ended && !over) {
      over = true;
      listener.onComplete();
    }
    return null;
  }

  /** Keeps an error reply's body to read its message; past the bound, classifies what it has. */
  private Throwable readError(ByteBuffer content) {
    if (over || buffer.appendUpTo(content, calls.maxBytes())) {
      return null;
    }
    return fail(Failures.ofReply(status, headers, buffer.text(), calls.errors(), redactor));
  }

  @Override
  public void onComplete(Result result) {
    firstLineDue.cancel(false);
    synchronized (this) {
      if (over) {
        return;
      }
      if (status != 0 && !Failures.isSuccess(status)) {
        end(Failures.ofReply(status, headers, buffer.text(), calls.errors(), redactor));
      } else if (result.isFailed()) {
        end(Failures.ofFailure(result.getFailure(), calls.errors(), redactor));
      } else {
        if (buffer.size() > 0) { // a last line without its line break
          String line = buffer.line();
          buffer.clear();
          onLine(line);
        }
        if (!over) {
          end(Failures.malformed(status, "the stream ended before its end marker", null, redactor));
        }
      }
    }
  }

  /** Ends the stream with {@code failure} and returns it, to abort the exchange with once unlocked. */
  private ProviderException fail(ProviderException failure) {
    end(failure);
    return failure;
  }

  private void end(ProviderException failure) {
    if (!over) {
      over = true;
      firstLineDue.cancel(false);
      listener.onError(failure);
    }
  }

  @Override
  public void cancel() {
    synchronized (this) {
      over = true;
    }
    firstLineDue.cancel(false);
    request.abort(new CancellationException("the stream was cancelled"));
  }

  private static int indexOf(ByteBuffer content, byte wanted) {
    for (int i = content.position(); i < content.limit(); i++) {
      if (content.get(i) == wanted) {
        return i;
      }
    }
    return -1;
  }

  /** What one line yields; read once the handler has returned. */
  private static final class Out implements LineHandler.Sink {
    private final List<ChatChunk> chunks = new ArrayList<>(2);
    private boolean ended;
    private boolean closed;

    @Override
    public void chunk(ChatChunk chunk) {
      usable();
      chunks.add(Objects.requireNonNull(chunk, "chunk"));
    }

    @Override
    public void end() {
      usable();
      ended = true;
    }

    private void usable() {
      if (closed) {
        throw new IllegalStateException("a Sink is used only during the onLine call it was given to");
      }
      if (ended) {
        throw new IllegalStateException("the stream's end was already given for this line");
      }
    }
  }
}
