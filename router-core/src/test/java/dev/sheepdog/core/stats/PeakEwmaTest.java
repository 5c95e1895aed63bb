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
}
