package dev.sheepdog.core;

/** A routed stream in flight. */
public interface RoutedStream {
  /** The request's id. */
  String requestId();

  /** Cancels the stream and the upstream call; the listener hears nothing more. Idempotent. */
  void cancel();
}
