package dev.sheepdog.spi;

import java.util.concurrent.TimeUnit;

/**
 * Runs a task after a delay: deadlines, backoff between retry rounds, hedges, replays. Injectable
 * together with {@link Ticker}, so tests move time by hand. Tasks must be short: they complete
 * futures and start non-blocking calls.
 */
@FunctionalInterface
public interface Scheduler {
  /** Runs {@code task} once after {@code delay}; the returned handle cancels it if not yet run. */
  Cancellable schedule(Runnable task, long delay, TimeUnit unit);

  /** A task that may still be cancelled. */
  @FunctionalInterface
  interface Cancellable {
    Cancellable DONE = () -> false;

    /** Cancels the task; {@code true} if it had not run yet. */
    boolean cancel();
  }

  /** A shared scheduler on one daemon thread. */
  static Scheduler system() {
    return SystemTime.INSTANCE;
  }
}
