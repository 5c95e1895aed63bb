package dev.sheepdog.core;

import dev.sheepdog.spi.ChatChunk;
import dev.sheepdog.spi.ModelId;
import dev.sheepdog.spi.RouterException;

/**
 * Receives a routed stream. Chunks arrive in order from one model: the router fails over only
 * before the first chunk, which {@link #onStart} announces. Then exactly one of {@link
 * #onComplete} or {@link #onError}. Calls are never concurrent; keep them quick, they run on I/O
 * threads.
 */
public interface RoutedStreamListener {
  /**
   * The stream is served by {@code model}, whose answer was the {@code attempt}-th the router made
   * (1 without failover): called once, just before its first chunk, when failing over is over.
   * Headers that name the model and the attempts go out here.
   */
  default void onStart(ModelId model, int attempt) {}

  /** A chunk from {@code model}; every chunk of a stream comes from the same model. */
  void onChunk(ModelId model, ChatChunk chunk);

  void onComplete(RoutedStreamResult result);

  /**
   * The stream could not be served ({@link AllModelsFailedException}, {@link
   * RequestRejectedException}, {@link RequestNotServableException}, {@link
   * DeadlineExceededException}) or broke after its first chunk ({@link
   * StreamInterruptedException}).
   */
  void onError(RouterException error);
}
