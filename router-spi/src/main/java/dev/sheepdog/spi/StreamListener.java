package dev.sheepdog.spi;

/**
 * Receives one streamed answer. A provider calls {@link #onChunk} zero or more times, in order,
 * then exactly one of {@link #onComplete} or {@link #onError}, and nothing after that. Calls are
 * never concurrent. Implementations must be quick: they run on the provider's I/O thread.
 */
public interface StreamListener {
  void onChunk(ChatChunk chunk);

  /** The stream ended normally (a finish reason and, on the OpenAI wire, {@code [DONE]}). */
  void onComplete();

  /**
   * The stream failed. A stream that ends without its end marker, or carries an error object,
   * fails here; it never completes normally with a short answer.
   */
  void onError(ProviderException failure);
}
