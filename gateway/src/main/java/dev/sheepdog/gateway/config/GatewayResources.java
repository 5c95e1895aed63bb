package dev.sheepdog.gateway.config;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.EnumMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a gateway's injector opened and the gateway must close: the trace exporter first (it
 * flushes the spans of the last requests), then providers, then the HTTP client they shared, then
 * the state store, which writes what it holds last. Each is registered as it is built, so a start
 * that fails halfway closes exactly what it opened.
 */
final class GatewayResources {
  private static final Logger log = LoggerFactory.getLogger(GatewayResources.class);

  /** Closed in this order; within a phase, the last opened first. */
  enum Phase {
    /** The trace exporter: the spans of the drained requests are flushed before anything else closes. */
    TELEMETRY,
    PROVIDERS,
    UPSTREAM_CLIENT,
    STATE
  }

  private final Map<Phase, Deque<Named>> open = new EnumMap<>(Phase.class);

  private record Named(String name, AutoCloseable resource) {}

  synchronized void add(Phase phase, String name, AutoCloseable resource) {
    open.computeIfAbsent(phase, p -> new ArrayDeque<>()).push(new Named(name, resource));
  }

  /** Closes everything, in phase order; the first failure is thrown with the later ones suppressed. */
  void close() {
    RuntimeException failure = closeAll(null);
    if (failure != null) {
      throw failure;
    }
  }

  /** Closes everything after {@code failure}, whose start this ends; what fails to close is suppressed in it. */
  void closeAfter(Throwable failure) {
    RuntimeException more = closeAll(failure);
    if (more != null && more != failure) {
      failure.addSuppressed(more);
    }
  }

  private RuntimeException closeAll(Throwable cause) {
    RuntimeException failure = null;
    for (Phase phase : Phase.values()) {
      Deque<Named> resources;
      synchronized (this) {
        resources = open.remove(phase);
      }
      if (resources == null) {
        continue;
      }
      for (Named named : resources) {
        try {
          named.resource().close();
        } catch (Exception e) {
          if (phase == Phase.PROVIDERS && cause == null) {
            // a provider that does not close cleanly must not keep the store from writing its last state
            log.warn("Provider {} did not close cleanly: {}", named.name(), e.toString());
            continue;
          }
          RuntimeException wrapped = e instanceof RuntimeException runtime ? runtime
              : new IllegalStateException(named.name() + " did not close cleanly", e);
          if (failure == null) {
            failure = wrapped;
          } else {
            failure.addSuppressed(wrapped);
          }
        }
      }
    }
    return failure;
  }
}
