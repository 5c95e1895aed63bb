package dev.sheepdog.core.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.sheepdog.spi.FailureKind;
import dev.sheepdog.testkit.ManualTicker;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ModelStatsTest {
  private static final long MS = 1_000_000L;

  private final ManualTicker ticker = new ManualTicker();
  private final ModelStats stats = new ModelStats(ticker, StatsConfig.defaults());

  @Test
  void percentilesAreWithinOnePercentOfExactOnASkewedDistribution() {
    // given a million log-normal latencies, median ~800 ms with a long tail
    Random random = new Random(42);
    long[] samples = new long[1_000_000];
    for (int i = 0; i < samples.length; i++) {
      samples[i] = (long) Math.exp(Math.log(800 * MS) + 0.6 * random.nextGaussian());
    }

    // when
    for (long sample : samples) {
      stats.recordSuccess(sample);
    }
    ticker.advance(Duration.ofSeconds(1));

    // then
    long[] sorted = samples.clone();
    Arrays.sort(sorted);
    assertThat(stats.p50LatencyNanos()).isCloseTo(exact(sorted, 0.50), within(exact(sorted, 0.50) / 100));
    assertThat(stats.p95LatencyNanos()).isCloseTo(exact(sorted, 0.95), within(exact(sorted, 0.95) / 100));
    assertThat(stats.p99LatencyNanos()).isCloseTo(exact(sorted, 0.99), within(exact(sorted, 0.99) / 100));
    assertThat(stats.windowCalls()).isEqualTo(1_000_000);
  }

  private static long exact(long[] sorted, double quantile) {
    return sorted[(int) Math.ceil(quantile * sorted.length) - 1];
  }

  @Test
  void noSampleReadsAsZero() {
    // given a model nobody called

    // when / then
    assertThat(stats.p50LatencyNanos()).isZero();
    assertThat(stats.p99LatencyNanos()).isZero();
    assertThat(stats.ewmaLatencyNanos()).isZero();
    assertThat(stats.errorRate()).isZero();
    assertThat(stats.windowCalls()).isZero();
    assertThat(stats.snapshot().window().average()).isEqualTo(Duration.ZERO);
  }

  @Test
  void samplesLeaveTheWindowAfterSixtySeconds() {
    // given
    stats.recordSuccess(100 * MS);
    stats.recordFailure(FailureKind.UNAVAILABLE, 10 * MS);

    // when 59 s have passed
    ticker.advance(Duration.ofSeconds(59));

    // then both are still in the window
    assertThat(stats.windowCalls()).isEqualTo(2);
    assertThat(stats.errorRate()).isEqualTo(0.5);
    assertThat(stats.p50LatencyNanos()).isCloseTo(100 * MS, within(MS));

    // when the window has moved past them
    ticker.advance(Duration.ofSeconds(1));

    // then
    assertThat(stats.windowCalls()).isZero();
    assertThat(stats.errorRate()).isZero();
    assertThat(stats.p50LatencyNanos()).isZero();
    StatsSnapshot snapshot = stats.snapshot();
    assertThat(snapshot.window().calls()).isZero();
    assertThat(snapshot.lifetime().calls()).isEqualTo(2);
    assertThat(snapshot.lifetime().failures()).containsEntry(FailureKind.UNAVAILABLE, 1L);
  }

  @Test
  void aReusedBucketFoldsItsOldSamplesIntoTheLifetime() {
    // given one call in each of 13 consecutive 10 s buckets: the ring of 6 went round twice
    for (int i = 0; i < 13; i++) {
      stats.recordSuccess((i + 1) * 100 * MS);
      ticker.advance(Duration.ofSeconds(10));
    }

    // when
    StatsSnapshot snapshot = stats.snapshot();

    // then the window holds the buckets of the last 60 s (t = 80 s .. 120 s), the lifetime all 13
    assertThat(snapshot.window().calls()).isEqualTo(5);
    assertThat(snapshot.lifetime().calls()).isEqualTo(13);
    assertThat(snapshot.lifetime().successes()).isEqualTo(13);
    assertThat(snapshot.lifetime().average()).isEqualTo(Duration.ofMillis(700));
    assertThat(snapshot.lifetime().span()).isEqualTo(Duration.ofSeconds(130));
    assertThat(snapshot.window().span()).isEqualTo(Duration.ofSeconds(60));
  }

  @Test
  void percentilesAreRecomputedAtMostOncePerRefreshInterval() {
    // given a first read that caches "no sample"
    assertThat(stats.p95LatencyNanos()).isZero();

    // when a call is recorded within the same refresh interval
    stats.recordSuccess(200 * MS);
    ticker.advance(Duration.ofMillis(999));

    // then the cached value stands until the interval is over
    assertThat(stats.p95LatencyNanos()).isZero();
    ticker.advance(Duration.ofMillis(1));
    assertThat(stats.p95LatencyNanos()).isCloseTo(200 * MS, within(2 * MS));
  }

  @Test
  void ewmaTakesAPeakAtOnce() {
    // given
    stats.recordSuccess(100 * MS);
    assertThat(stats.ewmaLatencyNanos()).isEqualTo(100 * MS);

    // when a slower sample arrives
    ticker.advance(Duration.ofSeconds(1));
    stats.recordSuccess(900 * MS);

    // then it replaces the average without smoothing
    assertThat(stats.ewmaLatencyNanos()).isEqualTo(900 * MS);
  }

  @Test
  void ewmaDecaysTowardsFasterSamplesWithElapsedTime() {
    // given
    stats.recordSuccess(500 * MS);

    // when a faster sample arrives one decay time (10 s) later
    ticker.advance(Duration.ofSeconds(10));
    stats.recordSuccess(100 * MS);

    // then the old average kept weight exp(-1)
    double w = Math.exp(-1);
    assertThat(stats.ewmaLatencyNanos()).isCloseTo(Math.round(500 * MS * w + 100 * MS * (1 - w)), within(1L));

    // and a faster sample at the same instant moves nothing: no time, no evidence of recovery
    long before = stats.ewmaLatencyNanos();
    stats.recordSuccess(1 * MS);
    assertThat(stats.ewmaLatencyNanos()).isEqualTo(before);
  }

  @Test
  void aFastFailureCountsAsTheFailurePenalty() {
    // given a model answering in 100 ms
    stats.recordSuccess(100 * MS);

    // when it fails in 3 ms
    stats.recordFailure(FailureKind.UNAVAILABLE, 3 * MS);

    // then it does not look faster: the average jumps to the 5 s penalty
    assertThat(stats.ewmaLatencyNanos()).isEqualTo(5_000 * MS);
  }

  @Test
  void thePenaltyIsAtLeastTheCurrentAverageAndTheObservedLatency() {
    // given a model already averaging 8 s
    stats.recordSuccess(8_000 * MS);

    // when a rate limit comes back at once
    stats.recordFailure(FailureKind.RATE_LIMITED, MS);

    // then the average does not fall to the penalty
    assertThat(stats.ewmaLatencyNanos()).isEqualTo(8_000 * MS);

    // when a timeout fires after 30 s
    stats.recordFailure(FailureKind.TIMEOUT, 30_000 * MS);

    // then
    assertThat(stats.ewmaLatencyNanos()).isEqualTo(30_000 * MS);
  }

  @Test
  void thePenaltyIsConfigurable() {
    // given
    ModelStats stats = new ModelStats(ticker, StatsConfig.defaults().withFailurePenalty(Duration.ofSeconds(2)));

    // when
    stats.recordFailure(FailureKind.MALFORMED_RESPONSE, MS);

    // then
    assertThat(stats.ewmaLatencyNanos()).isEqualTo(2_000 * MS);
  }

  @Test
  void callerFaultsCountAsCallsButNotAgainstTheModel() {
    // given
    stats.recordSuccess(100 * MS);
    stats.recordFailure(FailureKind.BAD_REQUEST, 5 * MS);
    stats.recordFailure(FailureKind.CONTEXT_TOO_LONG, 5 * MS);
    stats.recordFailure(FailureKind.UNAVAILABLE, 5 * MS);

    // when
    ticker.advance(Duration.ofSeconds(1));

    // then
    assertThat(stats.windowCalls()).isEqualTo(4);
    assertThat(stats.errorRate()).isEqualTo(0.25);
    assertThat(stats.consecutiveFailures()).isEqualTo(1);
    assertThat(stats.snapshot().window().failures())
        .containsOnlyKeys(FailureKind.BAD_REQUEST, FailureKind.CONTEXT_TOO_LONG, FailureKind.UNAVAILABLE);
    assertThat(stats.snapshot().window().failureCount()).isEqualTo(3);
  }

  @Test
  void errorRateIsModelFailuresOverCallsInTheWindow() {
    // given
    for (int i = 0; i < 95; i++) {
      stats.recordSuccess(100 * MS);
    }
    for (int i = 0; i < 5; i++) {
      stats.recordFailure(FailureKind.TIMEOUT, 60_000 * MS);
    }

    // when / then
    assertThat(stats.errorRate()).isEqualTo(0.05);
    assertThat(stats.windowCalls()).isEqualTo(100);
    assertThat(stats.consecutiveFailures()).isEqualTo(5);
  }

  @Test
  void aSuccessEndsTheRunOfConsecutiveFailures() {
    // given
    stats.recordFailure(FailureKind.UNAVAILABLE, MS);
    stats.recordFailure(FailureKind.TIMEOUT, MS);

    // when
    stats.recordSuccess(MS);

    // then
    assertThat(stats.consecutiveFailures()).isZero();
  }

  @Test
  void cancellationIsNotAnOutcome() {
    // given
    stats.callStarted();
    stats.callStarted();

    // when
    stats.recordCancelled();
    stats.recordFailure(FailureKind.CANCELLED, 50 * MS);

    // then
    assertThat(stats.inFlight()).isZero();
    assertThat(stats.windowCalls()).isZero();
    assertThat(stats.errorRate()).isZero();
    assertThat(stats.consecutiveFailures()).isZero();
    assertThat(stats.ewmaLatencyNanos()).isZero();
  }

  @Test
  void inFlightCountsStartedCallsUntilTheyEnd() {
    // given
    stats.callStarted();
    stats.callStarted();
    stats.callStarted();
    assertThat(stats.inFlight()).isEqualTo(3);

    // when
    stats.recordSuccess(MS);
    stats.recordFailure(FailureKind.UNAVAILABLE, MS);

    // then
    assertThat(stats.inFlight()).isEqualTo(1);

    // and an unmatched end does not drive it negative
    stats.recordCancelled();
    stats.recordCancelled();
    assertThat(stats.inFlight()).isZero();
  }

  @Test
  void streamsRankByTimeToFirstTokenAndReportTotalDuration() {
    // given a stream whose first token came after 300 ms and which ended after 4 s
    stats.callStarted();
    stats.recordTimeToFirstToken(300 * MS);
    assertThat(stats.inFlight()).isEqualTo(1);

    // when
    stats.recordStreamSuccess(4_000 * MS);
    ticker.advance(Duration.ofSeconds(1));

    // then the moving average took the time to first token, the percentiles the whole stream
    assertThat(stats.ewmaLatencyNanos()).isEqualTo(300 * MS);
    assertThat(stats.p50LatencyNanos()).isCloseTo(4_000 * MS, within(40 * MS));
    assertThat(stats.p50TimeToFirstTokenNanos()).isCloseTo(300 * MS, within(3 * MS));
    assertThat(stats.inFlight()).isZero();
  }

  @Test
  void timeToFirstTokenPercentiles() {
    // given 1..100 ms
    for (int i = 1; i <= 100; i++) {
      stats.recordTimeToFirstToken(i * MS);
    }

    // when
    ticker.advance(Duration.ofSeconds(1));

    // then
    assertThat(stats.p50TimeToFirstTokenNanos()).isCloseTo(50 * MS, within(MS / 2));
    assertThat(stats.p95TimeToFirstTokenNanos()).isCloseTo(95 * MS, within(MS));
    StatsSnapshot.PeriodStats window = stats.snapshot().window();
    assertThat(window.timeToFirstTokenP95().toNanos()).isCloseTo(95 * MS, within(MS));
    assertThat(window.calls()).isZero();
  }

  @Test
  void snapshotReportsWindowAndLifetime() {
    // given
    stats.callStarted();
    stats.recordSuccess(100 * MS);
    stats.recordSuccess(300 * MS);
    stats.recordFailure(FailureKind.RATE_LIMITED, MS);
    stats.callStarted();

    // when
    StatsSnapshot snapshot = stats.snapshot();

    // then
    StatsSnapshot.PeriodStats window = snapshot.window();
    assertThat(window.calls()).isEqualTo(3);
    assertThat(window.successes()).isEqualTo(2);
    assertThat(window.failures()).containsExactly(java.util.Map.entry(FailureKind.RATE_LIMITED, 1L));
    assertThat(window.errorRate()).isCloseTo(1.0 / 3, within(1e-9));
    assertThat(window.average()).isEqualTo(Duration.ofMillis(200));
    assertThat(window.p99().toNanos()).isCloseTo(300 * MS, within(3 * MS));
    assertThat(snapshot.lifetime().calls()).isEqualTo(3);
    assertThat(snapshot.inFlight()).isEqualTo(1);
    assertThat(snapshot.consecutiveFailures()).isEqualTo(1);
    assertThat(snapshot.ewmaLatency()).isEqualTo(Duration.ofSeconds(5));
    assertThat(snapshot.atEpochMillis()).isEqualTo(ticker.epochMillis());
  }

  @Test
  void concurrentRecordersLoseNothing() throws Exception {
    // given
    int threads = 8;
    int perThread = 50_000;
    Thread[] workers = new Thread[threads];
    java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(threads);
    for (int t = 0; t < threads; t++) {
      int id = t;
      workers[t] = new Thread(() -> {
        awaitQuietly(start);
        for (int i = 0; i < perThread; i++) {
          stats.callStarted();
          if (i % 10 == id % 10) {
            stats.recordFailure(FailureKind.UNAVAILABLE, MS);
          } else {
            stats.recordSuccess((1 + i % 1000) * MS);
          }
          if (i % 100 == 0) {
            stats.recordTimeToFirstToken(MS);
          }
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
    ticker.advance(Duration.ofSeconds(1));

    // then
    long total = (long) threads * perThread;
    StatsSnapshot snapshot = stats.snapshot();
    assertThat(stats.windowCalls()).isEqualTo(total);
    assertThat(snapshot.window().successes()).isEqualTo(total - total / 10);
    assertThat(snapshot.window().failures()).containsEntry(FailureKind.UNAVAILABLE, total / 10);
    assertThat(stats.errorRate()).isCloseTo(0.1, within(1e-9));
    assertThat(stats.inFlight()).isZero();
  }

  @Test
  void latenciesRecordedFromManyThreadsAllReachThePercentilesAndTheAverage() throws Exception {
    // given four threads, each recording its own latency: 100, 200 and 300 ms 1,000 times each,
    // 400 ms 3,000 times; leaving out any one thread's (or any two's) samples moves p50 or p95
    Thread[] workers = new Thread[4];
    for (int t = 0; t < workers.length; t++) {
      long latency = (t + 1) * 100 * MS;
      int times = t == 3 ? 3_000 : 1_000;
      workers[t] = new Thread(() -> {
        for (int i = 0; i < times; i++) {
          stats.recordSuccess(latency);
          stats.recordTimeToFirstToken(latency / 10);
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
    ticker.advance(Duration.ofSeconds(1));

    // then every thread's samples count, wherever they were recorded
    assertThat(stats.p50LatencyNanos()).isCloseTo(300 * MS, within(3 * MS));
    assertThat(stats.p95LatencyNanos()).isCloseTo(400 * MS, within(4 * MS));
    assertThat(stats.p50TimeToFirstTokenNanos()).isCloseTo(30 * MS, within(MS));
    assertThat(stats.p95TimeToFirstTokenNanos()).isCloseTo(40 * MS, within(MS));
    StatsSnapshot snapshot = stats.snapshot();
    assertThat(snapshot.window().successes()).isEqualTo(6_000);
    assertThat(snapshot.window().average()).isEqualTo(Duration.ofMillis(300));
    assertThat(snapshot.lifetime().p99().toNanos()).isCloseTo(400 * MS, within(4 * MS));
  }

  private static void awaitQuietly(java.util.concurrent.CyclicBarrier barrier) {
    try {
      barrier.await();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
