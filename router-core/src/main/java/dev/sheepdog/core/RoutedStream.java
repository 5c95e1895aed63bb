package dev.sheepdog.core;

/** A routed stream in flight. */
public interface RoutedStream {
  /** The request's id. */
  String requestId();

  /**
   * Cancels the stream and the upstream call; the listener hears nothing more. If the stream's end
   * is already decided (its answer completing, its failure being deferred), that end goes on and
   * the listener hears it, deferred id included. Idempotent.
   */
  void cancel();
}
