package dev.sheepdog.spi;

/**
 * Hears the router's {@link RouterEvent}s: metrics, logs, alert delivery.
 *
 * <p>Called synchronously on the thread where the event happened, often an I/O thread: be fast,
 * hand slow work to your own executor, and never throw. The router catches and drops whatever a
 * listener throws so that one bad listener cannot break routing.
 */
@FunctionalInterface
public interface RouterListener {
  RouterListener NONE = event -> {};

  void onEvent(RouterEvent event);
}
