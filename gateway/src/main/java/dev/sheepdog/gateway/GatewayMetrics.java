package dev.sheepdog.gateway;

import dev.sheepdog.core.HealthReport;
import dev.sheepdog.core.Router;
import dev.sheepdog.core.limit.RateLimitHeadroom;
import dev.sheepdog.spi.CircuitState;
import dev.sheepdog.spi.DeferredQueue;
import dev.sheepdog.spi.FailureKind;
import dev.sheepdog.spi.ModelId;
import dev.sheepdog.spi.ModelSpec;
import dev.sheepdog.spi.Money;
import dev.sheepdog.spi.RouterEvent;
import dev.sheepdog.spi.RouterListener;
import dev.sheepdog.spi.StateStore;
import dev.sheepdog.spi.Usage;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.ToLongFunction;

/**
 * The gateway's Prometheus metrics, fed by the router's events. Register it on the router before
 * building it ({@code Router.builder().listener(metrics)}) and hand it to {@link
 * GatewayServer#start(Router, GatewaySettings, GatewayMetrics)}.
 *
 * <p>Labels are bounded: a model id from the catalog, a failure kind, an endpoint's path (a path
 * with an id by its pattern, any other path as {@code other}), a status code, a replay outcome,
 * and the 12-hex hash of a configured client key (only configured keys get past authentication,
 * so there are as many as the operator configured).
 * Never a request id, a prompt or a key. Like every listener it is quick and never throws; a
 * metric that fails to record is dropped, not the request.
 */
public final class GatewayMetrics implements RouterListener {
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final AtomicLong listenerFailures = new AtomicLong();
  /** Each model's limiter headroom, refreshed once per scrape (one health report, not one per gauge). */
  private volatile Map<ModelId, RateLimitHeadroom> headroom = Map.of();
  private volatile Router router;
  private final Map<ModelId, ModelMeters> modelMeters = new ConcurrentHashMap<>();
  /** {@code sheepdog.http.requests} by endpoint and status, and the client meters by client hash. */
  private final Map<String, Map<Integer, Counter>> httpRequests = new ConcurrentHashMap<>();
  private final Counter cacheSaved = Counter.builder("sheepdog.cache.saved.usd")
      .description("what answers served from the response cache would have cost upstream").register(registry);
  private final Map<String, ClientMeters> clientMeters = new ConcurrentHashMap<>();
  private final Map<String, Counter> replays = new ConcurrentHashMap<>();
  private final Map<String, Counter> callbacks = new ConcurrentHashMap<>();
  private final Map<ModelId, Timer> firstToken = new ConcurrentHashMap<>();
  // registered on first use, like every meter here
  private volatile Timer requestLatency;
  private volatile Counter requestsFailed;
  private volatile Counter requestsDeferred;

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
      modelMeters(ok.model()).succeeded(ok.latency(), ok.usage(), ok.cost());
    } else if (event instanceof RouterEvent.UsageEstimated estimated) {
      modelMeters(estimated.model()).usageEstimated();
    } else if (event instanceof RouterEvent.AttemptFailed failed) {
      modelMeters(failed.model()).failed(failed.kind());
    } else if (event instanceof RouterEvent.RequestSucceeded ok) {
      modelMeters(ok.model()).requestSucceeded();
      Timer latency = requestLatency;
      if (latency == null) {
        requestLatency = latency = Timer.builder("sheepdog.request.latency").publishPercentileHistogram()
            .register(registry);
      }
      latency.record(ok.latency());
    } else if (event instanceof RouterEvent.RequestFailed) {
      Counter failed = requestsFailed;
      if (failed == null) {
        requestsFailed = failed = Counter.builder("sheepdog.requests").tag("model", "none").tag("outcome", "failed")
            .register(registry);
      }
      failed.increment();
    } else if (event instanceof RouterEvent.RequestDeferred) {
      Counter deferred = requestsDeferred;
      if (deferred == null) {
        requestsDeferred = deferred = Counter.builder("sheepdog.requests.deferred").register(registry);
      }
      deferred.increment();
    }
  }

  private ModelMeters modelMeters(ModelId model) {
    ModelMeters meters = modelMeters.get(model);
    return meters != null ? meters : modelMeters.computeIfAbsent(model, m -> new ModelMeters(m.value()));
  }

  /**
   * A model's meters, each registered on its first use (so a series appears when its first event
   * does, as it always has) and then kept: looking a meter up by name and tags, which {@code
   * Counter.builder(…).register(registry)} does, builds and hashes the tags on every event.
   * Registering a meter that exists returns it, so two threads racing to register share one series.
   */
  private final class ModelMeters {
    private final String model;
    private volatile Counter attemptSuccesses;
    private volatile Timer attemptLatency;
    private volatile Counter promptTokens;
    private volatile Counter completionTokens;
    private volatile Counter cost;
    private volatile Counter requestSuccesses;
    private volatile Counter estimatedUsage;
    /** By failure kind's ordinal. */
    private final AtomicReferenceArray<Counter> failedAttempts = new AtomicReferenceArray<>(FailureKind.values().length);
    private final AtomicReferenceArray<Counter> failures = new AtomicReferenceArray<>(FailureKind.values().length);

    ModelMeters(String model) {
      this.model = model;
    }

    /** An answer without usage, priced from the estimate: {@code sheepdog_usage_estimated_total}. */
    void usageEstimated() {
      Counter counter = estimatedUsage;
      if (counter == null) {
        estimatedUsage = counter = Counter.builder("sheepdog.usage.estimated").tag("model", model).register(registry);
      }
      counter.increment();
    }

    void succeeded(Duration latency, Usage usage, Money spent) {
      Counter successes = attemptSuccesses;
      Timer latencies = attemptLatency;
      Counter prompt = promptTokens;
      Counter completion = completionTokens;
      Counter usd = cost;
      if (successes == null || latencies == null || prompt == null || completion == null || usd == null) {
        attemptSuccesses = successes = Counter.builder("sheepdog.attempts").tag("model", model)
            .tag("outcome", "success").register(registry);
        attemptLatency = latencies = Timer.builder("sheepdog.attempt.latency").tag("model", model)
            .publishPercentileHistogram().register(registry);
        promptTokens = prompt = Counter.builder("sheepdog.tokens").tag("model", model).tag("type", "prompt")
            .register(registry);
        completionTokens = completion = Counter.builder("sheepdog.tokens").tag("model", model)
            .tag("type", "completion").register(registry);
        cost = usd = Counter.builder("sheepdog.cost.usd").tag("model", model).register(registry);
      }
      successes.increment();
      latencies.record(latency);
      prompt.increment(usage.promptTokens());
      completion.increment(usage.completionTokens());
      usd.increment(spent.toUsd().doubleValue());
    }

    void requestSucceeded() {
      Counter requests = requestSuccesses;
      if (requests == null) {
        requestSuccesses = requests = Counter.builder("sheepdog.requests").tag("model", model)
            .tag("outcome", "success").register(registry);
      }
      requests.increment();
    }

    void failed(FailureKind kind) {
      int i = kind.ordinal();
      Counter attempts = failedAttempts.get(i);
      Counter byKind = failures.get(i);
      if (attempts == null || byKind == null) {
        // registering an existing meter returns it, so two threads racing here share one series
        String label = kind.name().toLowerCase(Locale.ROOT);
        attempts = Counter.builder("sheepdog.attempts").tag("model", model).tag("outcome", label).register(registry);
        byKind = Counter.builder("sheepdog.failures").description("failed attempts by failure kind")
            .tag("model", model).tag("kind", label).register(registry);
        failedAttempts.set(i, attempts);
        failures.set(i, byKind);
      }
      attempts.increment();
      byKind.increment();
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

  /** From the gateway receiving a streamed request to the first chunk leaving for the client. */
  void firstToken(ModelId model, Duration elapsed) {
    try {
      Timer timer = firstToken.get(model);
      if (timer == null) {
        timer = firstToken.computeIfAbsent(model, m -> Timer.builder("sheepdog.stream.time.to.first.token")
            .tag("model", m.value()).publishPercentileHistogram().register(registry));
      }
      timer.record(elapsed);
    } catch (RuntimeException e) {
      listenerFailures.incrementAndGet();
    }
  }

  /** What a served request cost, attributed to the client tag ({@code client:<hash>}) spend is recorded under. */
  void clientSpend(String clientTag, Usage usage, Money cost) {
    try {
      ClientMeters meters = clientMeters.get(clientTag);
      if (meters == null) {
        meters = clientMeters.computeIfAbsent(clientTag, ClientMeters::new);
      }
      meters.cost.increment(cost.toUsd().doubleValue());
      meters.promptTokens.increment(usage.promptTokens());
      meters.completionTokens.increment(usage.completionTokens());
    } catch (RuntimeException e) {
      listenerFailures.incrementAndGet();
    }
  }

  /**
   * Exports how the state store is doing: {@code sheepdog_state_degraded} (1 while its writes
   * fail), {@code sheepdog_state_write_failures_total} and {@code sheepdog_state_pending_spend_rows}
   * (spend counters accepted and not yet written).
   */
  public void bind(StateStore state) {
    Gauge.builder("sheepdog.state.degraded", state, s -> s.health().degraded() ? 1 : 0)
        .description("1 while the state store cannot write; spend waits in memory and is retried")
        .register(registry);
    FunctionCounter.builder("sheepdog.state.write.failures", state, s -> s.health().failedWrites())
        .description("writes of the state store that failed").register(registry);
    Gauge.builder("sheepdog.state.pending.spend.rows", state, s -> s.health().pendingSpendRows())
        .description("spend counters accepted and not yet written").register(registry);
  }

  /** A callback of a delivered deferred request was posted, retried or given up. */
  void callback(String outcome) {
    countOutcome(callbacks, "sheepdog.deferred.callbacks", outcome);
  }

  /**
   * Exports the response cache: {@code sheepdog_cache_hits_total}, {@code
   * sheepdog_cache_misses_total}, {@code sheepdog_cache_evictions_total}, {@code
   * sheepdog_cache_bytes} (what the cached answers weigh) and {@code sheepdog_cache_entries}; with
   * {@code sheepdog_cache_saved_usd_total} counted by {@link #cacheSaved}.
   */
  void bind(ResponseCache cache) {
    FunctionCounter.builder("sheepdog.cache.hits", cache, ResponseCache::hits)
        .description("requests answered from the response cache, without an upstream call").register(registry);
    FunctionCounter.builder("sheepdog.cache.misses", cache, ResponseCache::misses)
        .description("cacheable requests that were not in the response cache").register(registry);
    FunctionCounter.builder("sheepdog.cache.evictions", cache, ResponseCache::evictions)
        .description("answers the response cache dropped for size or age").register(registry);
    Gauge.builder("sheepdog.cache.bytes", cache, ResponseCache::bytes)
        .description("what the cached answers weigh, encoded").register(registry);
    Gauge.builder("sheepdog.cache.entries", cache, ResponseCache::entries)
        .description("answers in the response cache (an estimate)").register(registry);
  }

  /** An answer served from the cache saved what it cost when it was fetched. */
  void cacheSaved(Money saved) {
    try {
      cacheSaved.increment(saved.toUsd().doubleValue());
    } catch (RuntimeException e) {
      listenerFailures.incrementAndGet();
    }
  }

  /** A deferred request's replay: {@code delivered}, {@code failed} or {@code dead_lettered}. */
  void replayed(String outcome) {
    countOutcome(replays, "sheepdog.deferred.replays", outcome);
  }

  /** Counts one {@code outcome} of the counter {@code name}, its meter made once and kept in {@code counters}. */
  private void countOutcome(Map<String, Counter> counters, String name, String outcome) {
    try {
      counters.computeIfAbsent(outcome, o -> Counter.builder(name).tag("outcome", o).register(registry)).increment();
    } catch (RuntimeException e) {
      listenerFailures.incrementAndGet();
    }
  }

  /** Counts one response; {@code endpoint} is a label of {@link Endpoints}, one per endpoint. */
  void httpRequest(String endpoint, int status) {
    try {
      Map<Integer, Counter> byStatus = httpRequests.get(endpoint);
      if (byStatus == null) {
        byStatus = httpRequests.computeIfAbsent(endpoint, e -> new ConcurrentHashMap<>());
      }
      Counter counter = byStatus.get(status);
      if (counter == null) {
        counter = byStatus.computeIfAbsent(status, code -> Counter.builder("sheepdog.http.requests")
            .tag("endpoint", endpoint).tag("status", Integer.toString(code)).register(registry));
      }
      counter.increment();
    } catch (RuntimeException e) {
      listenerFailures.incrementAndGet();
    }
  }

  /** One client's meters; the tag is {@code client:} and the key's hash, and the label is the hash. */
  private final class ClientMeters {
    final Counter cost;
    final Counter promptTokens;
    final Counter completionTokens;

    ClientMeters(String clientTag) {
      String client = clientTag.startsWith("client:") ? clientTag.substring("client:".length()) : clientTag;
      cost = Counter.builder("sheepdog.client.cost.usd").tag("client", client).register(registry);
      promptTokens = Counter.builder("sheepdog.client.tokens").tag("client", client).tag("type", "prompt")
          .register(registry);
      completionTokens = Counter.builder("sheepdog.client.tokens").tag("client", client).tag("type", "completion")
          .register(registry);
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
