package dev.sheepdog.core;

import dev.sheepdog.core.limit.RateLimitHeadroom;
import dev.sheepdog.core.stats.StatsSnapshot;
import dev.sheepdog.spi.CircuitState;
import dev.sheepdog.spi.FailureKind;
import dev.sheepdog.spi.ModelId;
import dev.sheepdog.spi.Money;
import dev.sheepdog.spi.ProviderId;
import dev.sheepdog.spi.RouterEvent;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Every model's health at one moment: circuit, statistics, limiter headroom and spend.
 *
 * @param atEpochMillis when the snapshot was taken
 * @param models one report per model, in catalog order
 * @param totalSpend everything spent through the router
 * @param recentAlerts alerts that fired or resolved recently, oldest first
 */
public record HealthReport(long atEpochMillis, List<ModelReport> models, Money totalSpend,
    List<RouterEvent.Alert> recentAlerts) {
  public HealthReport {
    models = List.copyOf(models);
    recentAlerts = List.copyOf(recentAlerts);
  }

  public Optional<ModelReport> model(String id) {
    ModelId wanted = ModelId.of(id);
    return models.stream().filter(m -> m.model().equals(wanted)).findFirst();
  }

  /**
   * A plain-text table for logs and terminals, like the tutorial's dashboard: per model its
   * state, average and p95 latency over the window, calls, failure rate and spend.
   */
  public String render() {
    StringBuilder sb = new StringBuilder();
    sb.append(String.format(Locale.ROOT, "%-32s %-9s %8s %8s %8s %7s %12s%n", "model", "state", "avg ms", "p95 ms",
        "calls", "fail %", "spend $"));
    for (ModelReport m : models) {
      StatsSnapshot.PeriodStats w = m.stats().window();
      sb.append(String.format(Locale.ROOT, "%-32s %-9s %8d %8d %8d %7.1f %12s%n", m.model(), m.state(),
          millis(w.average()), millis(w.p95()), m.calls(), 100 * w.errorRate(), m.spend().toUsdString()));
    }
    sb.append(String.format(Locale.ROOT, "total spend: $%s%n", totalSpend.toUsdString()));
    return sb.toString();
  }

  private static long millis(Duration d) {
    return d == null ? 0 : d.toMillis();
  }

  /**
   * One model's health.
   *
   * @param openUntilEpochMillis when an open circuit half-opens, else {@code null}
   * @param coolDownUntilEpochMillis when a 429 cool-down ends, else {@code null}
   * @param consecutiveFailures transient failures in a row counted by the circuit
   * @param lastFailure the kind of the most recent failure, or {@code null}
   * @param stats window (default last 60 s) and lifetime statistics
   * @param headroom what the rate limiter has room for now
   * @param spend what this model's answers cost so far
   */
  public record ModelReport(
      ModelId model,
      ProviderId provider,
      CircuitState state,
      Long openUntilEpochMillis,
      Long coolDownUntilEpochMillis,
      int consecutiveFailures,
      FailureKind lastFailure,
      Long lastFailureEpochMillis,
      StatsSnapshot stats,
      RateLimitHeadroom headroom,
      Money spend) {

    /** Calls completed since the router started. */
    public long calls() {
      return stats.lifetime().calls();
    }

    public long successes() {
      return stats.lifetime().successes();
    }

    public long failures() {
      return stats.lifetime().failureCount();
    }

    /** Lifetime failures by kind (cancellations are not failures). */
    public java.util.Map<FailureKind, Long> failuresByKind() {
      return stats.lifetime().failures();
    }

    public int inFlight() {
      return stats.inFlight();
    }
  }
}
