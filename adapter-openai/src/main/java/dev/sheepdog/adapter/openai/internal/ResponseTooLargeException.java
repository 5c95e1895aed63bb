package dev.sheepdog.adapter.openai.internal;

import java.io.IOException;

/** A reply body past the adapter's bound: classified {@code MALFORMED_RESPONSE}, not buffered on. */
public final class ResponseTooLargeException extends IOException {
  private static final long serialVersionUID = 1L;

  public ResponseTooLargeException(long limit) {
    super("the reply is larger than " + limit + " bytes");
  }
}
