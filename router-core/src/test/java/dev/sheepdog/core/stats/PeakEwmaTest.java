package dev.sheepdog.core.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class PeakEwmaTest {

  @Test
  void theDecayWeightOfCloseSamplesMatchesExpWithinOneInTenTrillion() {
    for (double x = 0; x < 1e-3; x += 1.7e-6) {
      assertThat(PeakEwma.decayWeight(x)).as("x = %s", x).isCloseTo(Math.exp(-x), within(1e-13));
    }
    assertThat(PeakEwma.decayWeight(0)).isEqualTo(1.0);
  }

  @Test
  void samplesFartherApartTakeExpItself() {
    for (double x : new double[] {1e-3, 0.01, 0.5, 1, 3, 40}) {
      assertThat(PeakEwma.decayWeight(x)).isEqualTo(Math.exp(-x));
    }
  }

  @Test
  void aFastSampleRightAfterASlowOneBarelyMovesTheAverage() {
    // given an average of 1 s
    PeakEwma ewma = new PeakEwma(10_000_000_000L);
    ewma.observe(1_000_000_000L, 0);
    // when a 100 ms sample comes 1 µs later
    ewma.observe(100_000_000L, 1_000);
    // then it weighs 1 - exp(-1e-7): 90 ns off the second
    assertThat(ewma.nanos()).isEqualTo(1_000_000_000L - 90);
  }

  @Test
  void aBurstOfSamplesCloserThanAMicrosecondIsPublishedWhenItMovesTheAverageOrAMicrosecondHasPassed() {
    // given an average of 1 s, published at t = 0
    long decay = 10_000_000_000L;
    PeakEwma ewma = new PeakEwma(decay);
    ewma.observe(1_000_000_000L, 0);
    double exact = 1_000_000_000d;
    long stamp = 0;

    // when 100 samples of 100 ms follow, 1 ns apart: each moves the average by about 0.09 ns
    for (long t = 1; t <= 100; t++) {
      ewma.observe(100_000_000L, t);
      double w = PeakEwma.decayWeight((t - stamp) / (double) decay);
      exact = exact * w + 100_000_000d * (1 - w);
      stamp = t;
    }

    // then readers still see the published 1 s, within 1/4096 of the exact average
    assertThat(ewma.nanos()).isEqualTo(1_000_000_000L);
    assertThat(Math.abs(ewma.nanos() - exact)).isLessThan(1_000_000_000d / 4096);

    // when the next sample comes a microsecond after the last publication
    ewma.observe(100_000_000L, PeakEwma.PUBLISH_INTERVAL_NANOS);
    double w = PeakEwma.decayWeight((PeakEwma.PUBLISH_INTERVAL_NANOS - stamp) / (double) decay);
    exact = exact * w + 100_000_000d * (1 - w);

    // then the exact average is published
    assertThat(ewma.nanos()).isEqualTo(Math.round(exact)).isLessThan(1_000_000_000L);

    // and a peak inside the next microsecond is published at once
    ewma.observe(2_000_000_000L, PeakEwma.PUBLISH_INTERVAL_NANOS + 1);
    assertThat(ewma.nanos()).isEqualTo(2_000_000_000L);
  }

  @Test
  void concurrentUpdatesLoseNoPeak() throws Exception {
    // given four threads observing rising samples, each at the instant equal to its value (and
    // all at least 1 µs apart): a sample below the average comes no later than the average's time
    // stamp, so it moves nothing, and every new peak is published. Under the lock the average
    // must end at the highest sample of all; an update racing another would write back a lower one
    PeakEwma ewma = new PeakEwma(10_000_000_000L);
    Thread[] workers = new Thread[4];
    int perThread = 200_000;
    for (int t = 0; t < workers.length; t++) {
      int id = t;
      workers[t] = new Thread(() -> {
        for (int i = 0; i < perThread; i++) {
          long sample = (4L * i + id + 1) * PeakEwma.PUBLISH_INTERVAL_NANOS;
          ewma.observe(sample, sample);
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
    assertThat(ewma.nanos()).isEqualTo(4L * perThread * PeakEwma.PUBLISH_INTERVAL_NANOS);
  }
}
