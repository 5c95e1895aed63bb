package dev.sheepdog.gateway;

import dev.sheepdog.core.HealthReport;
import dev.sheepdog.core.stats.StatsSnapshot;
import dev.sheepdog.spi.FailureKind;
import dev.sheepdog.spi.RouterEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The router's health report as JSON for {@code GET /admin/health}; durations in milliseconds. */
final class HealthJson {
  private HealthJson() {}

  static String encode(HealthReport report) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("at", report.atEpochMillis());
    json.put("total_spend_usd", report.totalSpend().toUsdString());
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
      model.put("window", period(m.stats().window()));
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
    return Json.write(json);
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
