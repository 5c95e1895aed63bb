package dev.sheepdog.gateway;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;

/**
 * Reads a request body without blocking: each read that finds nothing asks Jetty to call back when
 * more arrives. Stops at the size limit, so a huge body costs at most the limit in memory.
 */
final class BodyReader implements Runnable {
  private final Request request;
  private final long limit;
  private final ByteArrayOutputStream body = new ByteArrayOutputStream();
  private final CompletableFuture<byte[]> result = new CompletableFuture<>();

  private BodyReader(Request request, long limit) {
    this.request = request;
    this.limit = limit;
  }

  /** The body, or a failure with {@link TooLargeException} once it passes {@code limit} bytes. */
  static CompletableFuture<byte[]> read(Request request, long limit) {
    BodyReader reader = new BodyReader(request, limit);
    reader.run();
    return reader.result;
  }

  @Override
  public void run() {
    while (true) {
      Content.Chunk chunk = request.read();
      if (chunk == null) {
        request.demand(this);
        return;
      }
      if (Content.Chunk.isFailure(chunk)) {
        result.completeExceptionally(chunk.getFailure());
        return;
      }
      try {
        ByteBuffer bytes = chunk.getByteBuffer();
        if (body.size() + (long) bytes.remaining() > limit) {
          result.completeExceptionally(new TooLargeException());
          return;
        }
        byte[] copy = new byte[bytes.remaining()];
        bytes.get(copy);
        body.write(copy, 0, copy.length);
      } finally {
        chunk.release();
      }
      if (chunk.isLast()) {
        result.complete(body.toByteArray());
        return;
      }
    }
  }

  static final class TooLargeException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    TooLargeException() {
      super("request body too large", null, false, false);
    }
  }
}
