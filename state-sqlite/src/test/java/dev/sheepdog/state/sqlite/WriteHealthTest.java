package dev.sheepdog.state.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sheepdog.spi.AlertType;
import dev.sheepdog.spi.RouterEvent;
import dev.sheepdog.testkit.ManualTicker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class WriteHealthTest {
  private final ManualTicker clock = new ManualTicker();
  private final List<RouterEvent.Alert> alerts = new ArrayList<>();
  private final WriteHealth health = new WriteHealth("/x/state.db", e -> alerts.add((RouterEvent.Alert) e), clock);

  @Test
  void anEpisodeAlertsOnceAndResolvesOnce() {
    // given two failures in a row
    health.failed(WriteHealth.Kind.SPEND, "disk full");
    clock.advance(Duration.ofSeconds(1));
    health.failed(WriteHealth.Kind.SPEND, "disk still full");

    // then one alert, and the latest error kept
    assertThat(alerts).singleElement().satisfies(alert -> {
      assertThat(alert.type()).isEqualTo(AlertType.STATE_STORE_FAILING);
      assertThat(alert.resolved()).isFalse();
      assertThat(alert.message()).contains("/x/state.db", "disk full");
      assertThat(alert.atEpochMillis()).isEqualTo(clock.epochMillis() - 1_000);
    });
    assertThat(health.degraded()).isTrue();
    assertThat(health.failedWrites()).isEqualTo(2);
    assertThat(health.lastError()).isEqualTo("disk still full");

    // when a write succeeds, then the alert resolves once
    health.succeeded(WriteHealth.Kind.SPEND);
    health.succeeded(WriteHealth.Kind.SPEND);
    assertThat(alerts).extracting(RouterEvent.Alert::resolved).containsExactly(false, true);
    assertThat(alerts.get(1).atEpochMillis()).isEqualTo(clock.epochMillis());
    assertThat(health.degraded()).isFalse();
    assertThat(health.failedWrites()).isEqualTo(2);
  }

  @Test
  void aDeferredWriteThatFitsDoesNotEndASpendEpisode() {
    // given spend failing, then a deferred write failing and succeeding
    health.failed(WriteHealth.Kind.SPEND, "disk full");
    health.failed(WriteHealth.Kind.DEFERRED, "disk full");
    health.succeeded(WriteHealth.Kind.DEFERRED);

    // then the store is still degraded and nothing resolved
    assertThat(health.degraded()).isTrue();
    assertThat(alerts).extracting(RouterEvent.Alert::resolved).containsExactly(false);

    // when spend is written too, then it resolves
    health.succeeded(WriteHealth.Kind.SPEND);
    assertThat(alerts).extracting(RouterEvent.Alert::resolved).containsExactly(false, true);
  }

  @Test
  void aSuccessWithoutAFailureSaysNothing() {
    health.succeeded(WriteHealth.Kind.DEFERRED);
    assertThat(alerts).isEmpty();
    assertThat(health.degraded()).isFalse();
  }
}
