package dev.sheepdog.gateway.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sheepdog.spi.CircuitState;
import dev.sheepdog.spi.FailureKind;
import dev.sheepdog.spi.ModelId;
import dev.sheepdog.spi.Money;
import dev.sheepdog.spi.Price;
import dev.sheepdog.spi.ProviderId;
import dev.sheepdog.spi.RouterEvent;
import dev.sheepdog.spi.SkipReason;
import dev.sheepdog.spi.Usage;
import dev.sheepdog.spi.catalog.TutorialModels;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DemoRecorderTest {
  private static final ModelId MINI = TutorialModels.GPT_4_1_MINI;
  private static final ModelId SONNET = TutorialModels.CLAUDE_3_5_SONNET;
  private static final ModelId GPT = TutorialModels.GPT_4_1;
  private static final Duration LATENCY = Duration.ofMillis(100);

  private final DemoRecorder recorder =
      new DemoRecorder(new CostComparison.Tally(GPT,
          TutorialModels.catalog(ProviderId.of("sandbox")).require(GPT).price()));

  @Test
  void a_request_answered_by_another_model_than_its_first_choice_is_a_failover_with_the_reason() {
    // given: r1 fails on mini and is answered by sonnet; r2 skips mini's open circuit; r3 stays on mini
    failedOver("r1", new RouterEvent.AttemptFailed("r1", MINI, 1, FailureKind.UNAVAILABLE, 503, LATENCY, "down"));
    failedOver("r2", new RouterEvent.ModelSkipped("r2", MINI, SkipReason.CIRCUIT_OPEN));
    failedOver("r3", new RouterEvent.ModelSkipped("r3", MINI, SkipReason.CIRCUIT_OPEN));
    recorder.onEvent(new RouterEvent.AttemptStarted("r4", MINI, 1, 1));
    recorder.onEvent(new RouterEvent.RequestSucceeded("r4", MINI, 1, LATENCY, Money.ZERO));

    // then
    assertThat(recorder.failovers()).containsExactly(new DemoRecorder.Failover(MINI, SONNET, 3,
        Map.of("circuit open", 2L, "unavailable (503)", 1L)));
    assertThat(recorder.served()).containsEntry(SONNET, 3L).containsEntry(MINI, 1L);
  }

  @Test
  void a_request_that_failed_everywhere_is_counted_and_forgotten() {
    recorder.onEvent(new RouterEvent.AttemptStarted("r1", MINI, 1, 1));
    recorder.onEvent(new RouterEvent.AttemptFailed("r1", MINI, 1, FailureKind.UNAVAILABLE, 503, LATENCY, "down"));
    recorder.onEvent(new RouterEvent.RequestFailed("r1", 1, LATENCY, "every model failed"));

    assertThat(recorder.failedEverywhere()).isEqualTo(1);
    assertThat(recorder.failovers()).isEmpty();
  }

  @Test
  void circuit_transitions_are_timed_from_the_start_of_traffic() {
    recorder.start(1_000_000);
    recorder.onEvent(new RouterEvent.CircuitTransition(MINI, CircuitState.CLOSED, CircuitState.OPEN, 1_015_200));
    recorder.onEvent(new RouterEvent.CircuitTransition(MINI, CircuitState.OPEN, CircuitState.HALF_OPEN, 1_021_300));

    assertThat(recorder.circuitEvents()).containsExactly(
        new DemoRecorder.CircuitEvent(MINI, CircuitState.CLOSED, CircuitState.OPEN, Duration.ofMillis(15_200)),
        new DemoRecorder.CircuitEvent(MINI, CircuitState.OPEN, CircuitState.HALF_OPEN, Duration.ofMillis(21_300)));
  }

  @Test
  void answers_add_to_the_cost_and_to_what_they_would_cost_on_the_reference_model() {
    Usage usage = new Usage(1_000, 500);
    recorder.onEvent(new RouterEvent.AttemptSucceeded("r1", MINI, 1, LATENCY, usage,
        Price.perMillion("1.00", "4.00").cost(usage)));

    assertThat(recorder.cost().actual()).isEqualTo(Money.ofUsd("0.003"));
    assertThat(recorder.cost().allOnReference()).isEqualTo(Money.ofUsd("0.024"));
  }

  private void failedOver(String id, RouterEvent firstChoiceEvent) {
    if (firstChoiceEvent instanceof RouterEvent.AttemptFailed) {
      recorder.onEvent(new RouterEvent.AttemptStarted(id, MINI, 1, 1));
    }
    recorder.onEvent(firstChoiceEvent);
    recorder.onEvent(new RouterEvent.AttemptStarted(id, SONNET, 2, 1));
    recorder.onEvent(new RouterEvent.AttemptSucceeded(id, SONNET, 2, LATENCY, new Usage(10, 10), Money.ZERO));
    recorder.onEvent(new RouterEvent.RequestSucceeded(id, SONNET, 2, LATENCY, Money.ZERO));
  }
}
