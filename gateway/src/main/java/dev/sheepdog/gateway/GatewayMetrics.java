package dev.sheepdog.gateway;

import dev.sheepdog.core.HealthReport;
import dev.sheepdog.core.Router;
import dev.sheepdog.core.limit.RateLimitHeadroom;
import dev.sheepdog.spi.CircuitState;
import dev.sheepdog.spi.DeferredQueue;
import dev.sheepdog.spi.ModelId;
import dev.sheepdog.spi.ModelSpec;
import dev.sheepdog.spi.Money;
import dev.sheepdog.spi.RouterEvent;
import dev.sheepdog.spi.RouterListener;
import dev.sheepdog.spi.Usage;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.ToLongFunction;

/**
 * The gateway's Prometheus metrics, fed by the router's events. Register it on the router before
 * building it ({@code Router.builder().listener(metrics)}) and hand it to {@link
 * GatewayServer#start(Router, GatewayConfig, GatewayMetrics)}.
 *
 * <p>Labels are bounded: a model id from the catalog, a failure kind, an endpoint from a fixed
 * list, a status code, a replay outcome, and the 12-hex hash of a configured client key (only
 * configured keys get past authentication, so there are as many as the operator configured).
 * Never a request id, a prompt or a key. Like every listener it is quick and never throws; a
 * metric that fails to record is dropped, not the request.
 *
 * <p>It also counts the attempts a stream has started, so the stream's first chunk can carry
 * {@code X-Sheepdog-Attempts}: the router tells how many attempts a stream took only when it ends,
 * and by then the headers are long gone.
 */
public final class GatewayMetrics implements RouterListener {
  private static final Set<String> ENDPOINTS = Set.of("/v1/chat/completions", "/v1/models", "/health", "/ready",
      "/metrics", "/admin/health", "/admin/deferred", "/admin/deferred/replay");

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final AtomicLong listenerFailures = new AtomicLong();
  /** Attempts started per request id, for streams in flight only. */
  private final Map<String, AtomicInteger> streamAttempts = new ConcurrentHashMap<>();
  /** Each model's limiter headroom, refreshed once per scrape (one health report, not one per gauge). */
  private volatile Map<ModelId, RateLimitHeadroom> headroom = Map.of();
  private volatile Router router;

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
    if (event instanceof RouterEvent.AttemptStarted started) {
      AtomicInteger attempts = streamAttempts.get(started.requestId());
      if (attempts != null) {
        attempts.incrementAndGet();
      }
    } else if (event instanceof RouterEvent.AttemptSucceeded ok) {
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
      String kind = failed.kind().name().toLowerCase(Locale.ROOT);
      Counter.builder("sheepdog.attempts").tag("model", failed.model().value())
          .tag("outcome", kind).register(registry).increment();
      Counter.builder("sheepdog.failures").description("failed attempts by failure kind")
          .tag("model", failed.model().value()).tag("kind", kind).register(registry).increment();
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
    this.router = router;
    refreshHeadroom();
    for (ModelSpec spec : router.catalog().models()) {
      // a limit that is not configured has no headroom to show
      if (spec.limits().requestsPerMinute() > 0) {
        headroomGauge("sheepdog.ratelimit.requests.remaining", "requests admitted if sent now", spec.id(),
            RateLimitHeadroom::requestsAvailable);
      }
      if (spec.limits().tokensPerMinute() > 0) {
        headroomGauge("sheepdog.ratelimit.tokens.remaining", "the largest token reservation admitted now",
            spec.id(), RateLimitHeadroom::tokensAvailable);
      }
    }
  }

  private void headroomGauge(String name, String description, ModelId id, ToLongFunction<RateLimitHeadroom> value) {
    Gauge.builder(name, this, m -> {
      RateLimitHeadroom room = m.headroom.get(id);
      return room == null ? Double.NaN : value.applyAsLong(room);
    }).description(description).tag("model", id.value()).register(registry);
  }

  private void refreshHeadroom() {
    Router bound = router;
    if (bound == null) {
      return;
    }
    Map<ModelId, RateLimitHeadroom> rooms = new HashMap<>();
    for (HealthReport.ModelReport report : bound.healthReport().models()) {
      rooms.put(report.model(), report.headroom());
    }
    headroom = Map.copyOf(rooms);
  }

  /** The deferred queue's size: entries waiting for a replay. */
  void bind(DeferredQueue deferred) {
    Gauge.builder("sheepdog.deferred.queued", deferred, DeferredQueue::queued)
        .description("deferred requests waiting for a replay").register(registry);
  }

  /** Counts attempts for the stream {@code requestId} until {@link #untrack}. */
  void track(String requestId) {
    streamAttempts.put(requestId, new AtomicInteger());
  }

  /** Attempts the tracked stream has started so far; 0 when unknown (this is not the router's listener). */
  int attemptsSoFar(String requestId) {
    AtomicInteger attempts = streamAttempts.get(requestId);
    return attempts == null ? 0 : attempts.get();
  }

  void untrack(String requestId) {
    streamAttempts.remove(requestId);
  }

  /** From the gateway receiving a streamed request to the first chunk leaving for the client. */
  void firstToken(ModelId model, Duration elapsed) {
    try {
      Timer.builder("sheepdog.stream.time.to.first.token").tag("model", model.value()).publishPercentileHistogram()
          .register(registry).record(elapsed);
    } catch (RuntimeException e) {
      listenerFailures.incrementAndGet();
    }
  }

  /** What a served request cost, attributed to the client tag ({@code client:<hash>}) spend is recorded under. */
  void clientSpend(String clientTag, Usage usage, Money cost) {
    try {
      String client = clientTag.startsWith("client:") ? clientTag.substring("client:".length()) : clientTag;
      Counter.builder("sheepdog.client.cost.usd").tag("client", client).register(registry)
          .increment(cost.toUsd().doubleValue());
      Counter.builder("sheepdog.client.tokens").tag("client", client).tag("type", "prompt").register(registry)
          .increment(usage.promptTokens());
      Counter.builder("sheepdog.client.tokens").tag("client", client).tag("type", "completion").register(registry)
          .increment(usage.completionTokens());
    } catch (RuntimeException e) {
      listenerFailures.incrementAndGet();
    }
  }

  /** A deferred request's replay: {@code delivered}, {@code failed} or {@code dead_lettered}. */
  void replayed(String outcome) {
    try {
      Counter.builder("sheepdog.deferred.replays").tag("outcome", outcome).register(registry).increment();
    } catch (RuntimeException e) {
      listenerFailures.incrementAndGet();
    }
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
    try {
      refreshHeadroom();
    } catch (RuntimeException e) {
      listenerFailures.incrementAndGet();
    }
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
