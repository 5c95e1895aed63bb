package dev.sheepdog.gateway;

import dev.sheepdog.core.Router;
import dev.sheepdog.spi.CircuitState;
import dev.sheepdog.spi.ModelId;
import dev.sheepdog.spi.ModelSpec;
import dev.sheepdog.spi.RouterEvent;
import dev.sheepdog.spi.RouterListener;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The gateway's Prometheus metrics, fed by the router's events. Register it on the router before
 * building it ({@code Router.builder().listener(metrics)}) and hand it to {@link
 * GatewayServer#start(Router, GatewayConfig, GatewayMetrics)}.
 *
 * <p>Labels are bounded: a model id from the catalog, a failure kind, an endpoint from a fixed
 * list, a status code. Never a request id, a prompt or a key. Like every listener it is quick and
 * never throws; a metric that fails to record is dropped, not the request.
 */
public final class GatewayMetrics implements RouterListener {
  private static final Set<String> ENDPOINTS = Set.of("/v1/chat/completions", "/v1/models", "/health", "/ready",
      "/metrics", "/admin/health");

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final AtomicLong listenerFailures = new AtomicLong();

  private GatewayMetrics() {}

  public static GatewayMetrics create() {
    return new GatewayMetrics();
  }

  /** For adding meters of your own; they are exported at {@code /metrics} too. */
  public MeterRegistry registry() {
    return registry;
  }

  @Override
  public void onEvent(RouterEvent event) {
    try {
      record(event);
    } catch (RuntimeException e) {
      listenerFailures.incrementAndGet();
    }
  }

  private void record(RouterEvent event) {
    if (event instanceof RouterEvent.AttemptSucceeded ok) {
      String model = ok.model().value();
      Counter.builder("sheepdog.attempts").tag("model", model).tag("outcome", "success").register(registry)
          .increment();
      Timer.builder("sheepdog.attempt.latency").tag("model", model).publishPercentileHistogram()
          .register(registry).record(ok.latency());
      Counter.builder("sheepdog.tokens").tag("model", model).tag("type", "prompt").register(registry)
          .increment(ok.usage().promptTokens());
      Counter.builder("sheepdog.tokens").tag("model", model).tag("type", "completion").register(registry)
          .increment(ok.usage().completionTokens());
      Counter.builder("sheepdog.cost.usd").tag("model", model).register(registry)
          .increment(ok.cost().toUsd().doubleValue());
    } else if (event instanceof RouterEvent.AttemptFailed failed) {
      Counter.builder("sheepdog.attempts").tag("model", failed.model().value())
          .tag("outcome", failed.kind().name().toLowerCase(Locale.ROOT)).register(registry).increment();
    } else if (event instanceof RouterEvent.RequestSucceeded ok) {
      Counter.builder("sheepdog.requests").tag("model", ok.model().value()).tag("outcome", "success")
          .register(registry).increment();
      Timer.builder("sheepdog.request.latency").publishPercentileHistogram().register(registry).record(ok.latency());
    } else if (event instanceof RouterEvent.RequestFailed) {
      Counter.builder("sheepdog.requests").tag("model", "none").tag("outcome", "failed").register(registry)
          .increment();
    } else if (event instanceof RouterEvent.RequestDeferred) {
      Counter.builder("sheepdog.requests.deferred").register(registry).increment();
    }
  }

  /** Gauges read from the router's live state: circuit and in-flight calls per model. */
  void bind(Router router) {
    for (ModelSpec spec : router.catalog().models()) {
      ModelId id = spec.id();
      Gauge.builder("sheepdog.circuit.state", router, r -> circuitValue(r.candidate(id).health().circuitState()))
          .description("0 closed, 1 half-open, 2 open").tag("model", id.value()).register(registry);
      Gauge.builder("sheepdog.in.flight", router, r -> r.candidate(id).health().inFlight())
          .tag("model", id.value()).register(registry);
    }
    Gauge.builder("sheepdog.metrics.listener.failures", listenerFailures, AtomicLong::get).register(registry);
  }

  void httpRequest(String path, int status) {
    try {
      Counter.builder("sheepdog.http.requests").tag("endpoint", ENDPOINTS.contains(path) ? path : "other")
          .tag("status", Integer.toString(status)).register(registry).increment();
    } catch (RuntimeException e) {
      listenerFailures.incrementAndGet();
    }
  }

  String scrape() {
    return registry.scrape();
  }

  private static double circuitValue(CircuitState state) {
    return switch (state) {
      case CLOSED -> 0;
      case HALF_OPEN -> 1;
      case OPEN -> 2;
    };
  }
}
