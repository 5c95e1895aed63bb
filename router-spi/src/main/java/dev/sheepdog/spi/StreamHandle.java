package dev.sheepdog.spi;

/** Cancels a stream in flight. Idempotent; after it, the listener hears nothing more. */
@FunctionalInterface
public interface StreamHandle {
  StreamHandle NOOP = () -> {};

  void cancel();
}
