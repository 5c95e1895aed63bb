package dev.sheepdog.gateway;

import dev.sheepdog.core.HealthReport;
import dev.sheepdog.core.cost.Route;
import dev.sheepdog.core.cost.SpendSnapshot;
import dev.sheepdog.core.stats.StatsSnapshot;
import dev.sheepdog.spi.CircuitState;
import dev.sheepdog.spi.FailureKind;
import dev.sheepdog.spi.Money;
import dev.sheepdog.spi.RouterEvent;
import dev.sheepdog.wire.openai.WireJson;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The router's health report as JSON for {@code GET /admin/health} and the dashboard; durations in
 * milliseconds. Traffic shares are each model's part of all completed calls, over the window and
 * over the router's lifetime, 0 while there are none.
 */
final class HealthJson {
  private HealthJson() {}

  /** The report, with spend per route and today's (UTC) spend from the ledger's {@code spend}. */
  static String encode(HealthReport report, SpendSnapshot spend) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("at", report.atEpochMillis());
    json.put("total_spend_usd", report.totalSpend().toUsdString());
    long windowCalls = 0;
    long lifetimeCalls = 0;
    for (HealthReport.ModelReport m : report.models()) {
      windowCalls += m.stats().window().calls();
      lifetimeCalls += m.calls();
    }
    json.put("totals", totals(report, spend));
    List<Object> models = new ArrayList<>();
    for (HealthReport.ModelReport m : report.models()) {
      Map<String, Object> model = new LinkedHashMap<>();
      model.put("model", m.model().value());
      model.put("provider", m.provider().value());
      model.put("circuit", lower(m.state().name()));
      model.put("open_until", m.openUntilEpochMillis());
      model.put("cool_down_until", m.coolDownUntilEpochMillis());
      model.put("consecutive_failures", m.consecutiveFailures());
      model.put("last_failure", m.lastFailure() == null ? null : lower(m.lastFailure().name()));
      model.put("last_failure_at", m.lastFailureEpochMillis());
      model.put("in_flight", m.inFlight());
      model.put("calls", m.calls());
      model.put("successes", m.successes());
      Map<String, Object> failures = new LinkedHashMap<>();
      for (Map.Entry<FailureKind, Long> e : m.failuresByKind().entrySet()) {
        failures.put(lower(e.getKey().name()), e.getValue());
      }
      model.put("failures", failures);
      model.put("failure_count", m.failures());
      model.put("traffic_share", share(m.calls(), lifetimeCalls));
      Map<String, Object> window = period(m.stats().window());
      window.put("traffic_share", share(m.stats().window().calls(), windowCalls));
      model.put("window", window);
      model.put("lifetime", period(m.stats().lifetime()));
      model.put("ewma_latency_ms", millis(m.stats().ewmaLatency()));
      Map<String, Object> headroom = new LinkedHashMap<>();
      headroom.put("requests_per_minute", m.headroom().requestsPerMinute());
      headroom.put("requests_available", m.headroom().requestsAvailable());
      headroom.put("tokens_per_minute", m.headroom().tokensPerMinute());
      headroom.put("tokens_available", m.headroom().tokensAvailable());
      model.put("headroom", headroom);
      model.put("spend_usd", m.spend().toUsdString());
      models.add(model);
    }
    json.put("models", models);
    List<Object> alerts = new ArrayList<>();
    for (RouterEvent.Alert alert : report.recentAlerts()) {
      Map<String, Object> a = new LinkedHashMap<>();
      a.put("type", lower(alert.type().name()));
      a.put("subject", alert.subject());
      a.put("resolved", alert.resolved());
      a.put("message", Failures.mask(alert.message()));
      a.put("at", alert.atEpochMillis());
      alerts.add(a);
    }
    json.put("recent_alerts", alerts);
    Map<String, Object> byRoute = new LinkedHashMap<>();
    spend.byRoute().entrySet().stream()
        .sorted(Map.Entry.comparingByKey(Comparator.comparing(Route::toString)))
        .forEach(e -> byRoute.put(e.getKey().toString(), e.getValue().toUsdString()));
    json.put("spend_by_route", byRoute);
    return WireJson.write(json);
  }

  private static Map<String, Object> totals(HealthReport report, SpendSnapshot spend) {
    long calls = 0;
    long successes = 0;
    long windowCalls = 0;
    long windowModelFailures = 0;
    long lifetimeModelFailures = 0;
    int inFlight = 0;
    int notClosed = 0;
    for (HealthReport.ModelReport m : report.models()) {
      StatsSnapshot.PeriodStats window = m.stats().window();
      StatsSnapshot.PeriodStats lifetime = m.stats().lifetime();
      calls += lifetime.calls();
      successes += lifetime.successes();
      windowCalls += window.calls();
      // the stats' own error rate counts model failures only, so a caller's bad request is no error
      windowModelFailures += Math.round(window.errorRate() * window.calls());
      lifetimeModelFailures += Math.round(lifetime.errorRate() * lifetime.calls());
      inFlight += m.inFlight();
      notClosed += m.state() == CircuitState.CLOSED ? 0 : 1;
    }
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("models", report.models().size());
    json.put("models_not_closed", notClosed);
    json.put("calls", calls);
    json.put("successes", successes);
    json.put("error_rate", share(lifetimeModelFailures, calls));
    json.put("window_calls", windowCalls);
    json.put("window_error_rate", share(windowModelFailures, windowCalls));
    json.put("in_flight", inFlight);
    json.put("spend_usd", report.totalSpend().toUsdString());
    LocalDate today = Instant.ofEpochMilli(report.atEpochMillis()).atZone(ZoneOffset.UTC).toLocalDate();
    json.put("spend_today_usd", spend.days().stream().filter(d -> d.day().equals(today)).findFirst()
        .map(d -> d.total().toUsdString()).orElse(Money.ZERO.toUsdString()));
    return json;
  }

  private static double share(long part, long whole) {
    return whole == 0 ? 0 : (double) part / whole;
  }

  private static Map<String, Object> period(StatsSnapshot.PeriodStats stats) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("span_ms", millis(stats.span()));
    json.put("calls", stats.calls());
    json.put("successes", stats.successes());
    json.put("error_rate", stats.errorRate());
    json.put("average_ms", millis(stats.average()));
    json.put("p50_ms", millis(stats.p50()));
    json.put("p95_ms", millis(stats.p95()));
    json.put("p99_ms", millis(stats.p99()));
    json.put("ttft_p50_ms", millis(stats.timeToFirstTokenP50()));
    json.put("ttft_p95_ms", millis(stats.timeToFirstTokenP95()));
    return json;
  }

  private static Long millis(Duration duration) {
    return duration == null ? null : duration.toMillis();
  }

  private static String lower(String name) {
    return name.toLowerCase(Locale.ROOT);
  }
}
