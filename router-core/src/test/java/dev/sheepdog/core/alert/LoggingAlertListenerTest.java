package dev.sheepdog.core.alert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import dev.sheepdog.spi.AlertType;
import dev.sheepdog.spi.CircuitState;
import dev.sheepdog.spi.ModelId;
import dev.sheepdog.spi.RouterEvent;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;

class LoggingAlertListenerTest {

  @Test
  void warnsWhenAnAlertFiresAndInformsWhenItResolves() {
    // given
    RecordingLogger logger = new RecordingLogger(false);
    LoggingAlertListener listener = new LoggingAlertListener(logger);

    // when
    listener.onEvent(new RouterEvent.Alert(AlertType.CIRCUIT_OPEN, "gpt-4.1", false, "circuit opened", 1L));
    listener.onEvent(new RouterEvent.Alert(AlertType.CIRCUIT_OPEN, "gpt-4.1", true, "circuit closed", 2L));

    // then
    assertThat(logger.lines).containsExactly(
        "WARN alert: CIRCUIT_OPEN gpt-4.1: circuit opened",
        "INFO alert resolved: CIRCUIT_OPEN gpt-4.1: circuit closed");
  }

  @Test
  void ignoresOtherEvents() {
    // given
    RecordingLogger logger = new RecordingLogger(false);
    LoggingAlertListener listener = new LoggingAlertListener(logger);

    // when
    listener.onEvent(new RouterEvent.CircuitTransition(ModelId.of("m"), CircuitState.CLOSED, CircuitState.OPEN, 1L));

    // then
    assertThat(logger.lines).isEmpty();
  }

  @Test
  void neverThrowsEvenWhenLoggingFails() {
    // given
    LoggingAlertListener listener = new LoggingAlertListener(new RecordingLogger(true));

    // when / then
    assertThatCode(() -> listener.onEvent(new RouterEvent.Alert(AlertType.HIGH_LATENCY, "m", false, "slow", 1L)))
        .doesNotThrowAnyException();
  }

  /** Keeps "LEVEL message" lines, or throws on every call. */
  private static final class RecordingLogger extends LegacyAbstractLogger {
    final List<String> lines = new ArrayList<>();
    private final boolean broken;

    RecordingLogger(boolean broken) {
      this.broken = broken;
      this.name = "test";
    }

    @Override
    protected String getFullyQualifiedCallerName() {
      return null;
    }

    @Override
    protected void handleNormalizedLoggingCall(
        Level level, Marker marker, String messagePattern, Object[] arguments, Throwable throwable) {
      if (broken) {
        throw new IllegalStateException("log backend is down");
      }
      lines.add(level + " " + MessageFormatter.basicArrayFormat(messagePattern, arguments));
    }

    @Override public boolean isTraceEnabled() { return true; }
    @Override public boolean isDebugEnabled() { return true; }
    @Override public boolean isInfoEnabled() { return true; }
    @Override public boolean isWarnEnabled() { return true; }
    @Override public boolean isErrorEnabled() { return true; }
  }
}
