package dev.sheepdog.core.alert;

import dev.sheepdog.spi.RouterEvent;
import dev.sheepdog.spi.RouterListener;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes alerts to the log: a warning when an episode starts, info when it ends. Other events are
 * ignored. Never throws: a failing log backend must not break routing.
 */
public final class LoggingAlertListener implements RouterListener {
  private final Logger logger;

  /** Logs to the {@code dev.sheepdog.alerts} logger. */
  public LoggingAlertListener() {
    this(LoggerFactory.getLogger("dev.sheepdog.alerts"));
  }

  public LoggingAlertListener(Logger logger) {
    this.logger = Objects.requireNonNull(logger, "logger must not be null");
  }

  @Override
  public void onEvent(RouterEvent event) {
    if (!(event instanceof RouterEvent.Alert alert)) {
      return;
    }
    try {
      if (alert.resolved()) {
        logger.info("alert resolved: {} {}: {}", alert.type(), alert.subject(), alert.message());
      } else {
        logger.warn("alert: {} {}: {}", alert.type(), alert.subject(), alert.message());
      }
    } catch (RuntimeException e) {
      // nowhere left to report it; dropping is the listener contract
    }
  }
}
