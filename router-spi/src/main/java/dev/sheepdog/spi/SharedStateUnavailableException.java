package dev.sheepdog.spi;

/**
 * A {@link SharedState} could not answer in time (the server is slow, down or isolated by the
 * store's own breaker). The router falls back to its local view; the message never holds a secret.
 */
public final class SharedStateUnavailableException extends RuntimeException {
  public SharedStateUnavailableException(String message) {
    super(message, null, false, false);
  }
}
