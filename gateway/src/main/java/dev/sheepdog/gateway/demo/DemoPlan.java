package dev.sheepdog.gateway.demo;

import dev.sheepdog.core.CircuitBreakerConfig;
import dev.sheepdog.core.RetryConfig;
import dev.sheepdog.core.RouterSettings;
import dev.sheepdog.core.alert.AlertRules;
import dev.sheepdog.core.stats.StatsConfig;
import dev.sheepdog.spi.ModelCatalog;
import dev.sheepdog.spi.ModelId;
import dev.sheepdog.spi.ModelSpec;
import dev.sheepdog.spi.RateLimits;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The demo's story and the router settings that let it play out within the run.
 *
 * <p>The story: steady traffic for the first quarter; then an outage on one model and a 429 storm
 * on another; both healed at 60 %; the rest of the run shows circuits probing, closing and
 * traffic coming back.
 *
 * <p>The sandbox runs faster than real time by {@code timeScale} (0.1 = a tenth of the real
 * latencies), so every duration of the tutorial's settings (deadline, backoff, circuit recovery,
 * latency alerts) is scaled by it, and every per-minute rate limit is divided by it: a simulated
 * minute lasts {@code timeScale} minutes. The circuit's recovery time is also capped to a tenth of
 * the run, and its growth to a fifth, so that a circuit opened at 25 % is probed during the
 * outage and closes after the heal, before the run ends.
 *
 * @param duration how long traffic runs
 * @param timeScale simulated time ÷ real time
 * @param outage the model that goes down
 * @param storm the model that answers 429 to everything
 */
record DemoPlan(Duration duration, double timeScale, ModelId outage, ModelId storm) {
  /** When the faults start, as a fraction of the run. */
  static final double FAULTS_AT = 0.25;
  /** When they are healed. */
  static final double HEAL_AT = 0.60;

  DemoPlan {
    Objects.requireNonNull(duration, "duration");
    Objects.requireNonNull(outage, "outage");
    Objects.requireNonNull(storm, "storm");
    if (duration.isNegative() || duration.isZero()) {
      throw new IllegalArgumentException("duration must be positive, was " + duration);
    }
    if (!(timeScale > 0)) {
      throw new IllegalArgumentException("timeScale must be positive, was " + timeScale);
    }
  }

  /** The parts of the story. */
  enum Phase {
    STEADY,
    FAULTS,
    RECOVERY,
    DONE
  }

  Duration faultsAt() {
    return fraction(FAULTS_AT);
  }

  Duration healAt() {
    return fraction(HEAL_AT);
  }

  Phase phaseAt(Duration elapsed) {
    if (elapsed.compareTo(faultsAt()) < 0) {
      return Phase.STEADY;
    }
    if (elapsed.compareTo(healAt()) < 0) {
      return Phase.FAULTS;
    }
    return elapsed.compareTo(duration) < 0 ? Phase.RECOVERY : Phase.DONE;
  }

  /** What is going on, in words, for the live view. */
  String describe(Phase phase) {
    return switch (phase) {
      case STEADY -> "steady traffic; faults at " + seconds(faultsAt());
      case FAULTS -> "outage on " + outage + ", 429 storm on " + storm + "; healed at " + seconds(healAt());
      case RECOVERY -> "faults healed: circuits probe and close, traffic comes back";
      case DONE -> "traffic stopped: finishing requests in flight";
    };
  }

  /** A tutorial duration in sandbox time: {@code real × timeScale}. */
  Duration scaled(Duration real) {
    return Duration.ofNanos(Math.max(1_000_000, (long) (real.toNanos() * timeScale)));
  }

  /** How long an opened circuit stays open the first time. */
  Duration recoveryTime() {
    return min(scaled(Duration.ofSeconds(60)), fraction(0.10));
  }

  /** The cap on a circuit's growing recovery time after failed probes. */
  Duration maxRecoveryTime() {
    Duration cap = fraction(0.20);
    return cap.compareTo(recoveryTime()) < 0 ? recoveryTime() : cap;
  }

  /** The {@code Retry-After} of the 429 storm. */
  Duration stormRetryAfter() {
    return min(scaled(Duration.ofSeconds(5)), fraction(0.05));
  }

  /** The tutorial's router settings, scaled. */
  RouterSettings routerSettings() {
    RouterSettings defaults = RouterSettings.defaults();
    RetryConfig retry = defaults.retry()
        .withBackoff(scaled(Duration.ofSeconds(2)), scaled(Duration.ofSeconds(10)), defaults.retry().jitter())
        .withBudget(defaults.retry().budgetRatio(), defaults.retry().budgetMinimum(), scaled(Duration.ofSeconds(10)))
        .withMaxRetryAfter(scaled(Duration.ofSeconds(60)));
    CircuitBreakerConfig circuit = defaults.circuit()
        .withRecovery(recoveryTime(), defaults.circuit().recoveryMultiplier(), maxRecoveryTime());
    return new RouterSettings(scaled(defaults.deadline()), scaled(defaults.attemptTimeout()), retry, circuit,
        defaults.allOpenPolicy(), scaled(defaults.defaultRetryAfter()));
  }

  /** Statistics over a window short enough for the live view to show change: a sixth of the run. */
  StatsConfig stats() {
    StatsConfig defaults = StatsConfig.defaults();
    Duration window = max(Duration.ofSeconds(1), min(fraction(1.0 / 6), defaults.window()));
    return defaults.withWindow(window, 6)
        .withEwmaDecay(scaled(defaults.ewmaDecay()))
        .withFailurePenalty(scaled(defaults.failurePenalty()))
        .withPercentileRefresh(min(defaults.percentileRefresh(), Duration.ofMillis(250)));
  }

  AlertRules alerts() {
    AlertRules defaults = AlertRules.defaults();
    return defaults.withP95LatencyThreshold(scaled(defaults.p95LatencyThreshold()));
  }

  /** The catalog with its per-minute limits in sandbox time. */
  ModelCatalog scaledLimits(ModelCatalog catalog) {
    List<ModelSpec> specs = new ArrayList<>();
    for (ModelSpec spec : catalog.models()) {
      RateLimits limits = spec.limits();
      specs.add(spec.toBuilder().limits(perScaledMinute(limits.requestsPerMinute()),
          perScaledMinute(limits.tokensPerMinute())).build());
    }
    return ModelCatalog.of(specs);
  }

  private long perScaledMinute(long perMinute) {
    return perMinute == 0 ? 0 : Math.max(1, Math.round(perMinute / timeScale));
  }

  private Duration fraction(double share) {
    return Duration.ofNanos((long) (duration.toNanos() * share));
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  private static Duration max(Duration a, Duration b) {
    return a.compareTo(b) >= 0 ? a : b;
  }

  static String seconds(Duration d) {
    return String.format(java.util.Locale.ROOT, "%.1fs", d.toMillis() / 1000.0);
  }
}
