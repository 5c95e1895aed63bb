package dev.sheepdog.gateway.demo;

import static dev.sheepdog.gateway.demo.DemoReportFixtures.MINI;
import static dev.sheepdog.gateway.demo.DemoReportFixtures.SONNET;
import static dev.sheepdog.gateway.demo.DemoReportFixtures.event;
import static dev.sheepdog.spi.CircuitState.CLOSED;
import static dev.sheepdog.spi.CircuitState.HALF_OPEN;
import static dev.sheepdog.spi.CircuitState.OPEN;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class DemoReportTest {

  @Test
  void the_story_is_whole_when_a_circuit_opened_and_later_closed() {
    assertThat(DemoReportFixtures.withCircuitEvents(List.of(event(MINI, CLOSED, OPEN, 15_200),
        event(MINI, OPEN, HALF_OPEN, 21_300), event(MINI, HALF_OPEN, CLOSED, 21_400))).circuitOpenedAndClosed())
        .isTrue();
    assertThat(DemoReportFixtures.withCircuitEvents(List.of(event(MINI, CLOSED, OPEN, 15_200),
        event(MINI, OPEN, HALF_OPEN, 21_300), event(MINI, HALF_OPEN, OPEN, 21_400))).circuitOpenedAndClosed())
        .isFalse();
    assertThat(DemoReportFixtures.withCircuitEvents(List.of(event(SONNET, CLOSED, OPEN, 15_200),
        event(MINI, HALF_OPEN, CLOSED, 21_400))).circuitOpenedAndClosed()).isFalse();
  }

  @Test
  void reads_as_requests_failovers_circuit_events_models_and_cost() {
    String text = DemoReportFixtures.withCircuitEvents(List.of(event(MINI, CLOSED, OPEN, 15_200),
        event(MINI, HALF_OPEN, CLOSED, 45_000))).render();

    assertThat(text).contains("100 sent, 99 answered, 1 failed: success rate 99.0 %")
        .contains("failures by status: HTTP 503 x1")
        .containsPattern("gpt-4\\.1-mini\\s+-> claude-3-5-sonnet-latest\\s+12   circuit open 10, unavailable \\(503\\) 2")
        .containsPattern("15\\.2 s\\s+gpt-4\\.1-mini\\s+closed -> open")
        .containsPattern("45\\.0 s\\s+gpt-4\\.1-mini\\s+half-open -> closed")
        .containsPattern("gpt-4\\.1-mini\\s+40\\s+100\\.0 %\\s+110 ms\\s+180 ms\\s+52\\s+23\\.0 %\\s+\\$0\\.0100")
        .contains("The router found no model for 1 requests");
  }
}
