package dev.sheepdog.benchmarks.load;

/**
 * Which requests of the flaky model fail: request {@code n} fails when a seeded hash of {@code n}
 * falls below the ratio. The decision depends only on the seed and the request's number, so a run
 * is repeatable and any thread may ask without coordination beyond the counter handing out
 * numbers.
 */
final class FailureSchedule {
  private static final double TWO_TO_MINUS_53 = 0x1.0p-53;

  private final long seed;
  private final double ratio;

  FailureSchedule(long seed, double ratio) {
    if (!(ratio >= 0.0 && ratio <= 1.0)) {
      throw new IllegalArgumentException("--fail-ratio must be between 0 and 1, was " + ratio);
    }
    this.seed = seed;
    this.ratio = ratio;
  }

  /** Whether request number {@code n} (0, 1, 2, … in arrival order) fails. */
  boolean fails(long n) {
    return uniform(n) < ratio;
  }

  double ratio() {
    return ratio;
  }

  /** A double in [0, 1) from SplitMix64's finalizer over the seed and {@code n}. */
  private double uniform(long n) {
    long z = seed + (n + 1) * 0x9E3779B97F4A7C15L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    z ^= z >>> 31;
    return (z >>> 11) * TWO_TO_MINUS_53;
  }
}
