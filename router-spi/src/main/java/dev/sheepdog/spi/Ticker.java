package dev.sheepdog.spi;

/**
 * The router's source of time, injectable so that every timing rule can be tested without
 * sleeping. {@code router-testkit}'s {@code ManualTicker} is one you move by hand.
 */
public interface Ticker {
  /** Monotonic nanoseconds, for durations; the origin is arbitrary. */
  long nanoTime();

  /** Wall-clock milliseconds since the epoch, for timestamps and day boundaries. */
  long epochMillis();

  /** The system clock. */
  static Ticker system() {
    return SystemTime.INSTANCE;
  }
}
