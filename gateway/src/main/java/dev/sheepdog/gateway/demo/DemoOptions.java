package dev.sheepdog.gateway.demo;

import java.time.Duration;

/**
 * How the demo runs; validated, each error naming its option.
 *
 * @param duration how long traffic runs: 2 s to 1 h
 * @param rate requests per second: more than 0, at most 1,000
 * @param concurrency requests in flight at most: 1 to 1,000
 * @param seed seeds the traffic mix and the simulated models
 * @param timeScale simulated time ÷ real time: 0.001 to 1 (0.1 = ten times faster than real models)
 * @param live whether to redraw a live terminal view rather than print plain lines
 * @param port the gateway's port on 127.0.0.1, 0 for a free one
 */
record DemoOptions(Duration duration, double rate, int concurrency, long seed, double timeScale, boolean live,
    int port) {
  static final Duration MIN_DURATION = Duration.ofSeconds(2);
  static final Duration MAX_DURATION = Duration.ofHours(1);

  DemoOptions {
    if (duration == null || duration.compareTo(MIN_DURATION) < 0 || duration.compareTo(MAX_DURATION) > 0) {
      throw new IllegalArgumentException("--duration must be between 2s and 1h, was "
          + (duration == null ? "missing" : Format.seconds(duration)));
    }
    if (!(rate > 0 && rate <= 1_000)) {
      throw new IllegalArgumentException("--rate must be more than 0 and at most 1000 requests per second, was "
          + rate);
    }
    if (concurrency < 1 || concurrency > 1_000) {
      throw new IllegalArgumentException("--concurrency must be between 1 and 1000, was " + concurrency);
    }
    if (!(timeScale >= 0.001 && timeScale <= 1)) {
      throw new IllegalArgumentException("--time-scale must be between 0.001 and 1 (0.1 runs ten times faster"
          + " than real models), was " + timeScale);
    }
    if (port < 0 || port > 65_535) {
      throw new IllegalArgumentException("--port must be between 0 and 65535 (0 picks a free one), was " + port);
    }
  }
}
