package dev.sheepdog.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sheepdog.spi.CircuitState;
import dev.sheepdog.spi.ModelId;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class CircuitBreakerTest {
  private static final long SECOND = 1_000_000_000L;

  private final List<String> transitions = new CopyOnWriteArrayList<>();
  private final CircuitBreaker breaker = new CircuitBreaker(ModelId.of("m"), CircuitBreakerConfig.defaults(),
      (model, from, to) -> transitions.add(from + "->" + to));

  private void fail(int times, long now) {
    for (int i = 0; i < times; i++) {
      breaker.onFailure(breaker.tryAcquire(now), now);
    }
  }

  @Test
  void three_consecutive_failures_open_the_circuit_and_a_success_in_between_resets_the_count() {
    // given
    fail(2, 0);
    breaker.onSuccess(breaker.tryAcquire(0));
    fail(2, 0);
    assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED);
    assertThat(breaker.consecutiveFailures()).isEqualTo(2);
    // when
    fail(1, 0);
    // then
    assertThat(breaker.state()).isEqualTo(CircuitState.OPEN);
    assertThat(breaker.openUntilNanos()).isEqualTo(60 * SECOND);
    assertThat(transitions).containsExactly("CLOSED->OPEN");
  }

  @Test
  void an_open_circuit_admits_nothing_until_recovery_then_exactly_one_probe() {
    // given
    fail(3, 0);
    // when / then
    assertThat(breaker.tryAcquire(60 * SECOND - 1)).isNull();
    assertThat(breaker.wouldAdmit(60 * SECOND - 1)).isFalse();
    Object probe = breaker.tryAcquire(60 * SECOND);
    assertThat(probe).isNotNull();
    assertThat(breaker.state()).isEqualTo(CircuitState.HALF_OPEN);
    assertThat(breaker.tryAcquire(60 * SECOND)).as("a second probe").isNull();
    breaker.onSuccess(probe);
    assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED);
    assertThat(transitions).containsExactly("CLOSED->OPEN", "OPEN->HALF_OPEN", "HALF_OPEN->CLOSED");
  }

  @Test
  void a_failed_probe_reopens_for_twice_as_long_and_a_later_close_resets_the_growth() {
    // given
    fail(3, 0);
    Object probe = breaker.tryAcquire(60 * SECOND);
    // when
    breaker.onFailure(probe, 60 * SECOND);
    // then
    assertThat(breaker.state()).isEqualTo(CircuitState.OPEN);
    assertThat(breaker.openUntilNanos()).isEqualTo(180 * SECOND);
    Object third = breaker.tryAcquire(180 * SECOND);
    breaker.onFailure(third, 180 * SECOND);
    assertThat(breaker.openUntilNanos()).as("240 s the third time").isEqualTo(420 * SECOND);
    breaker.onSuccess(breaker.tryAcquire(420 * SECOND));
    fail(3, 500 * SECOND);
    assertThat(breaker.openUntilNanos()).as("back to 60 s after a close").isEqualTo(560 * SECOND);
  }

  @Test
  void the_recovery_time_stops_growing_at_its_cap() {
    // given
    CircuitBreakerConfig config = CircuitBreakerConfig.defaults()
        .withRecovery(Duration.ofSeconds(60), 2.0, Duration.ofSeconds(100));
    CircuitBreaker capped = new CircuitBreaker(ModelId.of("m"), config, (m, f, t) -> {});
    for (int i = 0; i < 3; i++) {
      capped.onFailure(capped.tryAcquire(0), 0);
    }
    // when
    capped.onFailure(capped.tryAcquire(60 * SECOND), 60 * SECOND);
    // then
    assertThat(capped.openUntilNanos()).isEqualTo(160 * SECOND);
  }

  @Test
  void a_stale_permit_from_before_the_circuit_opened_changes_nothing() {
    // given: a slow call admitted while closed, then three quick failures open the circuit
    Object slow = breaker.tryAcquire(0);
    fail(3, 0);
    // when
    breaker.onSuccess(slow);
    // then
    assertThat(breaker.state()).isEqualTo(CircuitState.OPEN);
    // and a stale failure does not decide a half-open circuit either
    Object probe = breaker.tryAcquire(60 * SECOND);
    breaker.onFailure(slow, 60 * SECOND);
    assertThat(breaker.state()).isEqualTo(CircuitState.HALF_OPEN);
    breaker.onSuccess(probe);
    assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED);
    assertThat(transitions).containsExactly("CLOSED->OPEN", "OPEN->HALF_OPEN", "HALF_OPEN->CLOSED");
  }

  @Test
  void a_neutral_outcome_gives_the_probe_permit_back() {
    // given
    fail(3, 0);
    Object probe = breaker.tryAcquire(60 * SECOND);
    // when
    breaker.onNeutral(probe);
    // then
    assertThat(breaker.state()).isEqualTo(CircuitState.HALF_OPEN);
    assertThat(breaker.tryAcquire(60 * SECOND)).isNotNull();
  }

  @Test
  void force_open_opens_from_any_state_and_never_shortens_an_open_window() {
    // given
    breaker.forceOpen(0, 30 * SECOND);
    assertThat(breaker.state()).isEqualTo(CircuitState.OPEN);
    assertThat(breaker.openUntilNanos()).isEqualTo(30 * SECOND);
    // when
    breaker.forceOpen(0, 10 * SECOND);
    // then
    assertThat(breaker.openUntilNanos()).isEqualTo(30 * SECOND);
    // and from half-open
    breaker.tryAcquire(30 * SECOND);
    breaker.forceOpen(30 * SECOND, 60 * SECOND);
    assertThat(breaker.state()).isEqualTo(CircuitState.OPEN);
    assertThat(breaker.openUntilNanos()).isEqualTo(90 * SECOND);
    assertThat(transitions).containsExactly("CLOSED->OPEN", "OPEN->HALF_OPEN", "HALF_OPEN->OPEN");
  }

  @Test
  void half_open_early_lets_one_probe_through_before_the_recovery_time() {
    // given
    fail(3, 0);
    // when
    boolean moved = breaker.halfOpenEarly();
    // then
    assertThat(moved).isTrue();
    assertThat(breaker.state()).isEqualTo(CircuitState.HALF_OPEN);
    assertThat(breaker.tryAcquire(1)).isNotNull();
    assertThat(breaker.tryAcquire(1)).isNull();
    assertThat(breaker.halfOpenEarly()).as("only an open circuit moves").isFalse();
  }

  @Test
  void half_open_early_does_nothing_to_a_closed_circuit() {
    assertThat(breaker.halfOpenEarly()).isFalse();
    assertThat(breaker.state()).isEqualTo(CircuitState.CLOSED);
    assertThat(transitions).isEmpty();
  }

  @Test
  void the_failure_rate_trips_once_the_window_holds_the_minimum_calls() {
    // given: 50 % over 4 calls; alternating outcomes never make 3 in a row
    CircuitBreaker byRate = new CircuitBreaker(ModelId.of("m"),
        CircuitBreakerConfig.defaults().withFailureRate(0.5, 4, 4), (m, f, t) -> {});
    byRate.onFailure(byRate.tryAcquire(0), 0);
    byRate.onSuccess(byRate.tryAcquire(0));
    byRate.onFailure(byRate.tryAcquire(0), 0);
    byRate.onSuccess(byRate.tryAcquire(0));
    assertThat(byRate.state()).isEqualTo(CircuitState.CLOSED);
    // when
    byRate.onFailure(byRate.tryAcquire(0), 0);
    // then
    assertThat(byRate.state()).isEqualTo(CircuitState.OPEN);
  }
}
