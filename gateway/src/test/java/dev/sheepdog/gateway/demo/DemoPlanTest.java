package dev.sheepdog.gateway.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sheepdog.core.RouterSettings;
import dev.sheepdog.spi.ModelCatalog;
import dev.sheepdog.spi.ModelId;
import dev.sheepdog.spi.ProviderId;
import dev.sheepdog.spi.catalog.TutorialModels;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DemoPlanTest {
  private static final ModelId MINI = TutorialModels.GPT_4_1_MINI;
  private static final ModelId GPT = TutorialModels.GPT_4_1;

  @Test
  void the_story_has_steady_traffic_then_faults_at_a_quarter_then_recovery_from_sixty_percent() {
    DemoPlan plan = new DemoPlan(Duration.ofSeconds(60), 0.1, MINI, GPT);

    assertThat(plan.faultsAt()).isEqualTo(Duration.ofSeconds(15));
    assertThat(plan.healAt()).isEqualTo(Duration.ofSeconds(36));
    assertThat(plan.phaseAt(Duration.ofMillis(14_999))).isEqualTo(DemoPlan.Phase.STEADY);
    assertThat(plan.phaseAt(Duration.ofSeconds(15))).isEqualTo(DemoPlan.Phase.FAULTS);
    assertThat(plan.phaseAt(Duration.ofSeconds(36))).isEqualTo(DemoPlan.Phase.RECOVERY);
    assertThat(plan.phaseAt(Duration.ofSeconds(60))).isEqualTo(DemoPlan.Phase.DONE);
    assertThat(plan.describe(DemoPlan.Phase.FAULTS)).isEqualTo(
        "outage on gpt-4.1-mini, 429 storm on gpt-4.1; healed at 36.0s");
  }

  @Test
  void the_tutorial_settings_are_scaled_with_the_sandbox() {
    RouterSettings settings = new DemoPlan(Duration.ofSeconds(60), 0.1, MINI, GPT).routerSettings();

    assertThat(settings.deadline()).isEqualTo(Duration.ofSeconds(6));
    assertThat(settings.attemptTimeout()).isEqualTo(Duration.ofSeconds(6));
    assertThat(settings.retry().initialBackoff()).isEqualTo(Duration.ofMillis(200));
    assertThat(settings.retry().maxBackoff()).isEqualTo(Duration.ofSeconds(1));
    assertThat(settings.circuit().consecutiveFailures()).isEqualTo(3);
    assertThat(settings.circuit().recoveryTime()).isEqualTo(Duration.ofSeconds(6));
    assertThat(settings.defaultRetryAfter()).isEqualTo(Duration.ofMillis(100));
  }

  @ParameterizedTest
  @CsvSource({"4, 0.05", "4, 1", "60, 0.1", "60, 1", "600, 0.01", "3600, 1"})
  void a_circuit_opened_at_the_faults_is_probed_again_after_the_heal_before_the_run_ends(long seconds,
      double timeScale) {
    DemoPlan plan = new DemoPlan(Duration.ofSeconds(seconds), timeScale, MINI, GPT);
    Duration latestProbe = plan.healAt().plus(plan.maxRecoveryTime());

    // a circuit that failed its last probe just before the heal is open at most this long
    assertThat(latestProbe).isLessThanOrEqualTo(plan.duration().multipliedBy(8).dividedBy(10));
    // and it is probed at least once during the faults, so the view shows open -> half-open -> open
    assertThat(plan.faultsAt().plus(plan.recoveryTime())).isLessThan(plan.healAt());
  }

  @Test
  void per_minute_limits_are_counted_in_sandbox_minutes() {
    // gpt-4.1-mini: 100 requests a minute, tokens unlimited; gpt-4.1: 150,000 tokens a minute
    ModelCatalog catalog = TutorialModels.catalog(ProviderId.of("sandbox"));

    ModelCatalog scaled = new DemoPlan(Duration.ofSeconds(60), 0.1, MINI, GPT).scaledLimits(catalog);

    assertThat(scaled.require(MINI).limits().requestsPerMinute()).isEqualTo(1_000);
    assertThat(scaled.require(MINI).limits().tokensPerMinute()).isZero();
    assertThat(scaled.require(GPT).limits().tokensPerMinute()).isEqualTo(1_500_000);
  }
}
