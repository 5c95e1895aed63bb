package dev.sheepdog.core;

import dev.sheepdog.spi.RouterEvent;
import dev.sheepdog.spi.RouterListener;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

/**
 * Delivers events to every listener, isolating the router from them: what a listener throws is
 * counted and dropped, never propagated.
 */
final class RouterListeners implements RouterListener {
  private final RouterListener[] listeners;
  private final LongAdder dropped = new LongAdder();

  RouterListeners(List<RouterListener> listeners) {
    this.listeners = listeners.toArray(RouterListener[]::new);
  }

  /** Whether anyone listens; lets the hot path skip building events nobody hears. */
  boolean active() {
    return listeners.length > 0;
  }

  @Override
  public void onEvent(RouterEvent event) {
    for (RouterListener listener : listeners) {
      try {
        listener.onEvent(event);
      } catch (RuntimeException | Error e) {
        if (e instanceof VirtualMachineError) {
          throw e;
        }
        dropped.increment();
      }
    }
  }

  /** How many times a listener threw. */
  long failures() {
    return dropped.sum();
  }
}
