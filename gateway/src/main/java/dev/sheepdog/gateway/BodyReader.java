package dev.sheepdog.gateway;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * Reads a request body without blocking: each read that finds nothing asks Jetty to call back when
 * more arrives. Bounded three ways: in size (a body past the limit fails with {@link
 * TooLargeException} as soon as it passes it, so it costs at most the limit in memory), in time
 * (the whole body must arrive within the body timeout) and in rate (after the rate grace, it must
 * keep arriving at the minimum rate on average) — the last two fail with {@link TooSlowException}.
 *
 * <p>A body too large by at most the limit again is read to its end and dropped before the 413 is
 * given, so the client, still writing, reads the answer instead of a connection reset (what nginx
 * calls a lingering close); a body declared larger than that is answered at once.
 *
 * <p>The bytes are kept as the chunks they arrived in and joined once at the end, so a slow body
 * holds what it sent and no more (no doubling buffer). Jetty serializes the demand callbacks; the
 * timer may race them, and the future decides: once it is complete, later chunks are released
 * unread.
 */
final class BodyReader implements Runnable {
  private final Request request;
  private final long limit;
  private final long minBytesPerSecond;
  private final long startNanos = System.nanoTime();
  private final List<byte[]> chunks = new ArrayList<>();
  private long size;
  /** Past the limit: what still arrives is read and dropped, up to the limit again. */
  private boolean discarding;
  private long discarded;
  private final CompletableFuture<byte[]> result = new CompletableFuture<>();
  private Scheduler.Task timer;

  private BodyReader(Request request, long limit, long minBytesPerSecond) {
    this.request = request;
    this.limit = limit;
    this.minBytesPerSecond = minBytesPerSecond;
  }

  /**
   * The body, or a failure: {@link TooLargeException} once it passes {@code limit} bytes, {@link
   * TooSlowException} when it misses the body timeout or the minimum rate of {@code limits}.
   */
  static CompletableFuture<byte[]> read(Request request, long limit, GatewayLimits limits, Scheduler scheduler) {
    BodyReader reader = new BodyReader(request, limit, limits.minRequestBytesPerSecond());
    if (request.getLength() > 2 * limit) {
      reader.result.completeExceptionally(new TooLargeException());
      return reader.result;
    }
    reader.discarding = request.getLength() > limit;
    reader.timer = scheduler.schedule(() -> reader.result.completeExceptionally(new TooSlowException(
        "the request body did not arrive within " + limits.bodyTimeout().toMillis() + " ms")),
        limits.bodyTimeout().toNanos(), TimeUnit.NANOSECONDS);
    reader.result.whenComplete((body, failure) -> reader.timer.cancel());
    reader.run();
    return reader.result;
  }

  @Override
  public void run() {
    while (true) {
      Content.Chunk chunk = request.read();
      if (chunk == null) {
        if (!result.isDone()) {
          request.demand(this);
        }
        return;
      }
      if (Content.Chunk.isFailure(chunk)) {
        result.completeExceptionally(chunk.getFailure());
        return;
      }
      try {
        if (result.isDone()) {
          return;
        }
        ByteBuffer bytes = chunk.getByteBuffer();
        if (!discarding && size + bytes.remaining() > limit) {
          discarding = true;
          chunks.clear();
        }
        if (discarding) {
          discarded += bytes.remaining();
          if (discarded > limit || chunk.isLast()) {
            result.completeExceptionally(new TooLargeException());
            return;
          }
          continue;
        }
        if (bytes.hasRemaining()) {
          byte[] copy = new byte[bytes.remaining()];
          bytes.get(copy);
          chunks.add(copy);
          size += copy.length;
        }
      } finally {
        chunk.release();
      }
      if (chunk.isLast()) {
        result.complete(join());
        return;
      }
      if (tooSlow()) {
        result.completeExceptionally(new TooSlowException("the request body arrived slower than "
            + minBytesPerSecond + " bytes a second"));
        return;
      }
    }
  }

  /** Below the minimum rate, counted from the end of the grace: the grace lets a client pause once. */
  private boolean tooSlow() {
    if (minBytesPerSecond <= 0) {
      return false;
    }
    long elapsed = System.nanoTime() - startNanos - GatewayLimits.RATE_GRACE.toNanos();
    return elapsed > 0 && size < minBytesPerSecond * (elapsed / 1_000_000L) / 1_000L;
  }

  private byte[] join() {
    if (chunks.size() == 1) {
      return chunks.get(0);
    }
    byte[] body = new byte[(int) size];
    int at = 0;
    for (byte[] chunk : chunks) {
      System.arraycopy(chunk, 0, body, at, chunk.length);
      at += chunk.length;
    }
    chunks.clear();
    return body;
  }

  static final class TooLargeException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    TooLargeException() {
      super("request body too large", null, false, false);
    }
  }

  /** The body did not arrive in time, or arrived too slowly; the message says which. */
  static final class TooSlowException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    TooSlowException(String message) {
      super(message, null, false, false);
    }
  }
}
