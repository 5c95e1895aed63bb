package dev.sheepdog.core;

import dev.sheepdog.spi.CallHeaders;
import dev.sheepdog.spi.ModelId;
import dev.sheepdog.spi.RouterEvent;
import dev.sheepdog.spi.RouterListener;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * Delivers events to every listener, isolating the router from them: what a listener throws is
 * counted and dropped, never propagated. Listeners that are also {@link CallHeaders} are asked for
 * each call's extra headers, isolated the same way.
 */
final class RouterListeners implements RouterListener {
  private final RouterListener[] listeners;
  private final CallHeaders[] headers;
  private final LongAdder dropped = new LongAdder();

  RouterListeners(List<RouterListener> listeners) {
    this.listeners = listeners.toArray(RouterListener[]::new);
    this.headers = listeners.stream().filter(CallHeaders.class::isInstance).map(CallHeaders.class::cast)
        .toArray(CallHeaders[]::new);
  }

  /** The extra headers of one call, from every listener that gives some; empty, without allocating, when none. */
  Map<String, String> callHeaders(String requestId, ModelId model, int attempt) {
    if (headers.length == 0) {
      return Map.of();
    }
    Map<String, String> merged = null;
    for (CallHeaders source : headers) {
      try {
        Map<String, String> some = source.headersFor(requestId, model, attempt);
        if (some != null && !some.isEmpty()) {
          if (merged == null) {
            merged = new LinkedHashMap<>();
          }
          merged.putAll(some);
        }
      } catch (RuntimeException | Error e) {
        if (e instanceof VirtualMachineError) {
          throw e;
        }
        dropped.increment();
      }
    }
    return merged == null ? Map.of() : merged;
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
