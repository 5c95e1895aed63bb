package dev.sheepdog.core;

import dev.sheepdog.spi.FailureKind;
import dev.sheepdog.spi.ModelId;
import java.util.List;

/**
 * A stream failed after its first chunk had reached the caller. The router cannot fail over
 * without repeating text the caller has seen, so the stream ends with this error: never a silent
 * short answer.
 */
public final class StreamInterruptedException extends RoutingException {
  private static final long serialVersionUID = 1L;

  private final ModelId model;
  private final FailureKind kind;
  private final int chunksDelivered;

  StreamInterruptedException(String requestId, ModelId model, FailureKind kind, int chunksDelivered, String message,
      List<Attempt> attempts) {
    super(requestId, "stream from " + model + " failed after " + chunksDelivered + " chunks: " + kind + " " + message,
        attempts);
    this.model = model;
    this.kind = kind;
    this.chunksDelivered = chunksDelivered;
  }

  public ModelId model() {
    return model;
  }

  public FailureKind kind() {
    return kind;
  }

  public int chunksDelivered() {
    return chunksDelivered;
  }
}
