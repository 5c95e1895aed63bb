package dev.sheepdog.core.alert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import dev.sheepdog.core.stats.ModelStats;
import dev.sheepdog.spi.AlertType;
import dev.sheepdog.spi.CircuitState;
import dev.sheepdog.spi.FailureKind;
import dev.sheepdog.spi.ModelId;
import dev.sheepdog.spi.RouterEvent;
import dev.sheepdog.testkit.ManualTicker;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class AlertMonitorTest {
  private static final long MS = 1_000_000L;
  private static final ModelId MODEL = ModelId.of("gpt-4.1");

  private final ManualTicker ticker = new ManualTicker();
  private final List<RouterEvent.Alert> heard = new CopyOnWriteArrayList<>();
  private final AlertMonitor monitor =
      new AlertMonitor(AlertRules.defaults(), ticker, event -> heard.add((RouterEvent.Alert) event));
  private final ModelStats stats = new ModelStats(ticker);

  private void fail() {
    stats.recordFailure(FailureKind.UNAVAILABLE, 10 * MS);
    monitor.evaluate(MODEL, stats);
  }

  private void succeed(long latencyNanos) {
    stats.recordSuccess(latencyNanos);
    monitor.evaluate(MODEL, stats);
  }

  @Test
  void consecutiveFailuresFireOncePerEpisodeAndResolveOnce() {
    // given two failures: below the threshold
    fail();
    fail();
    assertThat(heard).isEmpty();

    // when the third and more arrive
    fail();
    fail();
    fail();

    // then one alert
    assertThat(heard).extracting(RouterEvent.Alert::type, RouterEvent.Alert::subject, RouterEvent.Alert::resolved)
        .containsExactly(tuple(AlertType.CONSECUTIVE_FAILURES, "gpt-4.1", false));
    assertThat(monitor.isActive(AlertType.CONSECUTIVE_FAILURES, "gpt-4.1")).isTrue();

    // when the model answers, again and again
    succeed(100 * MS);
    succeed(100 * MS);

    // then one resolution
    assertThat(heard).extracting(RouterEvent.Alert::type, RouterEvent.Alert::resolved)
        .containsExactly(
            tuple(AlertType.CONSECUTIVE_FAILURES, false), tuple(AlertType.CONSECUTIVE_FAILURES, true));
    assertThat(heard.get(1).atEpochMillis()).isEqualTo(ticker.epochMillis());
    assertThat(monitor.isActive(AlertType.CONSECUTIVE_FAILURES, "gpt-4.1")).isFalse();
  }

  @Test
  void errorRateDoesNotFireBelowTheMinimumSample() {
    // given the tutorial's case: one call, one failure, 100 %
    AlertMonitor monitor = new AlertMonitor(
        AlertRules.defaults().withConsecutiveFailuresThreshold(1_000), ticker, e -> heard.add((RouterEvent.Alert) e));
    stats.recordFailure(FailureKind.UNAVAILABLE, MS);

    // when
    monitor.evaluate(MODEL, stats);

    // then
    assertThat(stats.errorRate()).isEqualTo(1.0);
    assertThat(heard).isEmpty();
  }

  @Test
  void errorRateFiresOnceOverTheMinimumSampleAndResolvesWhenWellBelow() {
    // given 19 calls, one of them failed
    for (int i = 0; i < 17; i++) {
      succeed(100 * MS);
    }
    fail();
    succeed(100 * MS);
    assertThat(heard).isEmpty();

    // when the 20th call fails: 2 of 20 is 10 %
    fail();

    // then
    assertThat(heard).extracting(RouterEvent.Alert::type, RouterEvent.Alert::resolved)
        .containsExactly(tuple(AlertType.HIGH_ERROR_RATE, false));
    assertThat(heard.get(0).message()).contains("10.0 %").contains("20 calls");

    // when the rate falls just under 5 %: 2 of 41 is 4.9 %
    for (int i = 0; i < 21; i++) {
      succeed(100 * MS);
    }

    // then the episode continues: it ends only at 4 % (80 % of the threshold)
    assertThat(heard).hasSize(1);

    // when 2 of 50 make it 4 %
    for (int i = 0; i < 9; i++) {
      succeed(100 * MS);
    }

    // then
    assertThat(stats.errorRate()).isEqualTo(0.04);
    assertThat(heard).extracting(RouterEvent.Alert::type, RouterEvent.Alert::resolved)
        .containsExactly(tuple(AlertType.HIGH_ERROR_RATE, false), tuple(AlertType.HIGH_ERROR_RATE, true));
  }

  @Test
  void latencyRuleWatchesTheWindowedP95() {
    // given 90 fast calls and 10 slow ones: the p95 is slow, the median is not
    for (int i = 0; i < 90; i++) {
      stats.recordSuccess(200 * MS);
    }
    for (int i = 0; i < 10; i++) {
      stats.recordSuccess(7_000 * MS);
    }
    ticker.advance(Duration.ofSeconds(1));

    // when
    monitor.evaluate(MODEL, stats);
    monitor.evaluate(MODEL, stats);

    // then
    assertThat(heard).extracting(RouterEvent.Alert::type, RouterEvent.Alert::resolved)
        .containsExactly(tuple(AlertType.HIGH_LATENCY, false));

    // when the slow calls leave the window and fast ones replace them
    ticker.advance(Duration.ofSeconds(60));
    succeed(300 * MS);
    ticker.advance(Duration.ofSeconds(1));
    monitor.evaluate(MODEL, stats);

    // then
    assertThat(heard).extracting(RouterEvent.Alert::type, RouterEvent.Alert::resolved)
        .containsExactly(tuple(AlertType.HIGH_LATENCY, false), tuple(AlertType.HIGH_LATENCY, true));
  }

  @Test
  void latencyHoveringAtTheThresholdDoesNotFlap() {
    // given an episode started at 5.1 s
    monitor.evaluate(MODEL, 5_100 * MS, 0, 0, 0);

    // when p95 wobbles around the threshold
    monitor.evaluate(MODEL, 4_900 * MS, 0, 0, 0);
    monitor.evaluate(MODEL, 5_200 * MS, 0, 0, 0);
    monitor.evaluate(MODEL, 4_500 * MS, 0, 0, 0);
    monitor.evaluate(MODEL, 0, 0, 0, 0);

    // then still one episode, which ends at 4 s
    assertThat(heard).hasSize(1);
    monitor.evaluate(MODEL, 4_000 * MS, 0, 0, 0);
    assertThat(heard).extracting(RouterEvent.Alert::resolved).containsExactly(false, true);
  }

  @Test
  void anOpenCircuitIsOneEpisodeUntilItCloses() {
    // given / when
    monitor.onCircuitTransition(MODEL, CircuitState.CLOSED, CircuitState.OPEN);
    monitor.onCircuitTransition(MODEL, CircuitState.OPEN, CircuitState.HALF_OPEN);
    monitor.onCircuitTransition(MODEL, CircuitState.HALF_OPEN, CircuitState.OPEN);
    monitor.onCircuitTransition(MODEL, CircuitState.OPEN, CircuitState.HALF_OPEN);
    monitor.onCircuitTransition(MODEL, CircuitState.HALF_OPEN, CircuitState.CLOSED);

    // then
    assertThat(heard).extracting(RouterEvent.Alert::type, RouterEvent.Alert::subject, RouterEvent.Alert::resolved)
        .containsExactly(
            tuple(AlertType.CIRCUIT_OPEN, "gpt-4.1", false), tuple(AlertType.CIRCUIT_OPEN, "gpt-4.1", true));
  }

  @Test
  void raiseAndResolveKeepOnePerEpisodeForAnySubject() {
    // given / when
    boolean first = monitor.raise(AlertType.BUDGET_80_PERCENT, "team-a", "spent $80 of $100");
    boolean again = monitor.raise(AlertType.BUDGET_80_PERCENT, "team-a", "spent $85 of $100");
    boolean other = monitor.raise(AlertType.BUDGET_80_PERCENT, "team-b", "spent $90 of $100");
    boolean ended = monitor.resolve(AlertType.BUDGET_80_PERCENT, "team-a", "new month");
    boolean endedAgain = monitor.resolve(AlertType.BUDGET_80_PERCENT, "team-a", "new month");
    boolean neverStarted = monitor.resolve(AlertType.PROVIDER_UNAUTHORIZED, "holysheep", "ok");

    // then
    assertThat(List.of(first, again, other, ended, endedAgain, neverStarted))
        .containsExactly(true, false, true, true, false, false);
    assertThat(heard).extracting(RouterEvent.Alert::subject, RouterEvent.Alert::resolved, RouterEvent.Alert::message)
        .containsExactly(
            tuple("team-a", false, "spent $80 of $100"),
            tuple("team-b", false, "spent $90 of $100"),
            tuple("team-a", true, "new month"));
    assertThat(monitor.active()).containsExactly(new AlertMonitor.Active(AlertType.BUDGET_80_PERCENT, "team-b"));
  }

  @Test
  void recentKeepsTheLastAlertsOldestFirst() {
    // given
    AlertMonitor monitor = new AlertMonitor(AlertRules.defaults(), ticker, e -> {}, 3);

    // when
    for (int i = 0; i < 5; i++) {
      monitor.raise(AlertType.PROVIDER_UNAUTHORIZED, "p" + i, "401");
    }

    // then
    assertThat(monitor.recent()).extracting(RouterEvent.Alert::subject).containsExactly("p2", "p3", "p4");
  }

  @Test
  void aThrowingListenerDoesNotEscapeNorStopTheEpisode() {
    // given
    AlertMonitor monitor = new AlertMonitor(AlertRules.defaults(), ticker, e -> {
      throw new IllegalStateException("listener is broken");
    });

    // when / then
    assertThatCode(() -> monitor.raise(AlertType.CIRCUIT_OPEN, "m", "open")).doesNotThrowAnyException();
    assertThat(monitor.isActive(AlertType.CIRCUIT_OPEN, "m")).isTrue();
    assertThat(monitor.recent()).hasSize(1);
  }

  @Test
  void evaluatingWithNothingToReportPublishesNothing() {
    // given a healthy model
    for (int i = 0; i < 100; i++) {
      succeed(100 * MS);
    }

    // when / then
    assertThat(heard).isEmpty();
    assertThat(monitor.recent()).isEmpty();
  }

  @Test
  void racingThreadsStartAnEpisodeExactlyOnce() throws Exception {
    // given
    int threads = 8;
    java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(threads);
    Thread[] workers = new Thread[threads];
    for (int t = 0; t < threads; t++) {
      workers[t] = new Thread(() -> {
        try {
          start.await();
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
        for (int i = 0; i < 10_000; i++) {
          monitor.evaluate(MODEL, 0, 0, 0, 5);
        }
      });
    }

    // when
    for (Thread w : workers) {
      w.start();
    }
    for (Thread w : workers) {
      w.join();
    }

    // then
    assertThat(heard).extracting(RouterEvent.Alert::type).containsExactly(AlertType.CONSECUTIVE_FAILURES);
  }

  @Test
  void rulesAreValidatedByName() {
    // given
    AlertRules defaults = AlertRules.defaults();

    // when / then
    assertThat(defaults.p95LatencyThreshold()).isEqualTo(Duration.ofSeconds(5));
    assertThat(defaults.errorRateThreshold()).isEqualTo(0.05);
    assertThat(defaults.errorRateMinimumCalls()).isEqualTo(20);
    assertThat(defaults.consecutiveFailuresThreshold()).isEqualTo(3);
    assertThatThrownBy(() -> defaults.withErrorRate(1.5, 20)).hasMessageContaining("errorRateThreshold");
    assertThatThrownBy(() -> defaults.withErrorRate(0.05, 0)).hasMessageContaining("errorRateMinimumCalls");
    assertThatThrownBy(() -> defaults.withConsecutiveFailuresThreshold(0))
        .hasMessageContaining("consecutiveFailuresThreshold");
    assertThatThrownBy(() -> defaults.withP95LatencyThreshold(Duration.ZERO))
        .hasMessageContaining("p95LatencyThreshold");
    assertThatThrownBy(() -> defaults.withResolveFraction(0)).hasMessageContaining("resolveFraction");
  }
}
