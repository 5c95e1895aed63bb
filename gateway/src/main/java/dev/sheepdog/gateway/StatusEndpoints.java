package dev.sheepdog.gateway;

import dev.sheepdog.core.Router;
import dev.sheepdog.spi.CircuitState;

/**
 * What load balancers, orchestrators and Prometheus ask without a key: {@code GET /health} (the
 * process serves), {@code GET /ready} (at least one model may be called: 503 while every circuit
 * is open or every model cools down) and {@code GET /metrics}.
 */
final class StatusEndpoints {
  private final Router router;
  private final GatewayMetrics metrics;

  StatusEndpoints(Router router, GatewayMetrics metrics) {
    this.router = router;
    this.metrics = metrics;
  }

  void health(Exchange exchange) {
    exchange.json(200, "{\"status\":\"ok\"}");
  }

  void ready(Exchange exchange) {
    boolean ready = router.healthReport().models().stream()
        .anyMatch(m -> m.state() != CircuitState.OPEN && m.coolDownUntilEpochMillis() == null);
    exchange.json(ready ? 200 : 503, ready ? "{\"status\":\"ready\"}" : "{\"status\":\"no model is admissible\"}");
  }

  void metrics(Exchange exchange) {
    exchange.text(200, "text/plain; version=0.0.4; charset=utf-8", metrics.scrape());
  }
}
