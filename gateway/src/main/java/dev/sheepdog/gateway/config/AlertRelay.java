package dev.sheepdog.gateway.config;

import dev.sheepdog.core.Router;
import dev.sheepdog.spi.RouterEvent;
import dev.sheepdog.spi.RouterListener;
import dev.sheepdog.spi.StateStore;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Passes the state store's alerts to the router, which reports them as its own (to the log, the
 * metrics and the health report). The store opens before the router exists: an alert raised then
 * (a shared store that is not there yet) waits, and is reported once the router is attached if the
 * store is still degraded.
 */
final class AlertRelay implements RouterListener {
  private final AtomicReference<Router> router = new AtomicReference<>();
  private final AtomicReference<RouterEvent.Alert> early = new AtomicReference<>();

  @Override
  public void onEvent(RouterEvent event) {
    if (event instanceof RouterEvent.Alert alert) {
      Router target = router.get();
      if (target != null) {
        target.report(alert);
      } else {
        early.set(alert);
      }
    }
  }

  void attach(Router target, StateStore state) {
    router.set(target);
    RouterEvent.Alert pending = early.getAndSet(null);
    if (pending != null && state.health().degraded()) {
      target.report(pending);
    }
  }
}
