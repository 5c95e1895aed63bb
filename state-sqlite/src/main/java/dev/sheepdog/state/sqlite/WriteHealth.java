package dev.sheepdog.state.sqlite;

import dev.sheepdog.spi.AlertType;
import dev.sheepdog.spi.RouterEvent;
import dev.sheepdog.spi.RouterListener;
import dev.sheepdog.spi.Ticker;
import java.util.EnumSet;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether the store's writes are failing, per kind of write, and the alert that says so.
 *
 * <p>An episode starts when a write fails while none was failing: one warning is logged and one
 * {@link AlertType#STATE_STORE_FAILING} alert emitted. It ends when every kind that failed has
 * written again, with the same alert resolved. Kinds are kept apart so that a small write that
 * happens to fit on a full disk (a deferred entry's claim) does not end an episode while spend is
 * still waiting in memory, and the alert does not flap.
 *
 * <p>Thread-safe. The listener is called on the thread whose write changed the episode, inside
 * the monitor so that a start and its end are never heard out of order; listeners are fast by
 * contract.
 */
final class WriteHealth {
  private static final Logger LOG = LoggerFactory.getLogger(WriteHealth.class);
  private static final String SUBJECT = "state";

  /** What was being written. */
  enum Kind {
    SPEND,
    DEFERRED
  }

  private final String where;
  private final RouterListener listener;
  private final Ticker ticker;
  private final Set<Kind> failing = EnumSet.noneOf(Kind.class);
  private long failedWrites;
  private String lastError = "";

  WriteHealth(String where, RouterListener listener, Ticker ticker) {
    this.where = where;
    this.listener = listener;
    this.ticker = ticker;
  }

  /** A write of {@code kind} failed for {@code reason} (one line, no secrets). */
  synchronized void failed(Kind kind, String reason) {
    boolean started = failing.isEmpty();
    failing.add(kind);
    failedWrites++;
    lastError = reason;
    if (started) {
      String message = "state store " + where + " cannot write (" + reason
          + "); spend waits in memory and is retried, deferrals are refused until it can";
      LOG.warn(message);
      emit(false, message);
    } else {
      LOG.debug("state store {} still cannot write {}: {}", where, kind, reason);
    }
  }

  /** A write of {@code kind} succeeded. */
  synchronized void succeeded(Kind kind) {
    if (failing.remove(kind) && failing.isEmpty()) {
      String message = "state store " + where + " writes again";
      LOG.info(message);
      emit(true, message);
    }
  }

  synchronized boolean degraded() {
    return !failing.isEmpty();
  }

  synchronized long failedWrites() {
    return failedWrites;
  }

  synchronized String lastError() {
    return lastError;
  }

  private void emit(boolean resolved, String message) {
    try {
      listener.onEvent(new RouterEvent.Alert(AlertType.STATE_STORE_FAILING, SUBJECT, resolved, message,
          ticker.epochMillis()));
    } catch (RuntimeException e) {
      LOG.warn("a router listener failed on a state store alert", e);
    }
  }
}
