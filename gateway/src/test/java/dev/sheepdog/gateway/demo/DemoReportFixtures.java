package dev.sheepdog.gateway.demo;

import dev.sheepdog.spi.CircuitState;
import dev.sheepdog.spi.ModelId;
import dev.sheepdog.spi.Money;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** Reports with made-up figures, for tests of how they read. */
final class DemoReportFixtures {
  static final ModelId MINI = ModelId.of("gpt-4.1-mini");
  static final ModelId SONNET = ModelId.of("claude-3-5-sonnet-latest");

  private DemoReportFixtures() {}

  static DemoReport withCost(CostComparison cost) {
    return report(cost, List.of());
  }

  static DemoReport withCircuitEvents(List<DemoRecorder.CircuitEvent> events) {
    return report(new CostComparison(Money.ZERO, ModelId.of("gpt-4.1"), Money.ZERO), events);
  }

  private static DemoReport report(CostComparison cost, List<DemoRecorder.CircuitEvent> events) {
    DemoOptions options = new DemoOptions(Duration.ofSeconds(60), 20, 32, 42, 0.1, false, 0);
    ClientTally.Snapshot clients = new ClientTally.Snapshot(100, 99, 1, 0, 25, 0, Map.of(503, 1L));
    return new DemoReport(options, Duration.ofSeconds(61), MINI, ModelId.of("gpt-4.1"), clients, 1,
        List.of(new DemoRecorder.Failover(MINI, SONNET, 12, Map.of("circuit open", 10L, "unavailable (503)", 2L))),
        events,
        List.of(new DemoReport.ModelLine(MINI, 40, Duration.ofMillis(110), Duration.ofMillis(180), 52, 0.23,
            Money.ofUsd("0.01"))),
        cost);
  }

  static DemoRecorder.CircuitEvent event(ModelId model, CircuitState from, CircuitState to, long atMillis) {
    return new DemoRecorder.CircuitEvent(model, from, to, Duration.ofMillis(atMillis));
  }
}
