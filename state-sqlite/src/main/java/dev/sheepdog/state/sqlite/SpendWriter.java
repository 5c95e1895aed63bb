package dev.sheepdog.state.sqlite;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The daemon thread {@value #THREAD_NAME} that commits pending spend: every commit interval, and
 * at once when {@linkplain #wake woken} because a batch is full. A failed commit has already been
 * logged and counted by {@link WriteHealth}; the thread simply tries again on its next round.
 */
final class SpendWriter {
  static final String THREAD_NAME = "sheepdog-state-writer";

  private static final Logger LOG = LoggerFactory.getLogger(SpendWriter.class);

  private final SqliteSpendStore spend;
  private final long intervalNanos;
  private final Thread thread;
  private volatile boolean stopped;

  SpendWriter(SqliteSpendStore spend, Duration interval) {
    this.spend = spend;
    this.intervalNanos = interval.toNanos();
    this.thread = new Thread(this::run, THREAD_NAME);
    thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  /** Makes the thread commit now rather than at the end of its interval; never blocks. */
  void wake() {
    LockSupport.unpark(thread);
  }

  /** Stops the thread and waits for a commit under way to end. */
  void stop() {
    stopped = true;
    LockSupport.unpark(thread);
    boolean interrupted = false;
    while (thread.isAlive()) {
      try {
        thread.join();
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  private void run() {
    while (!stopped) {
      LockSupport.parkNanos(this, intervalNanos);
      if (stopped) {
        return;
      }
      try {
        spend.writePending();
      } catch (StateStoreException e) {
        // counted and logged by WriteHealth; retried next round
      } catch (RuntimeException e) {
        LOG.error("the state writer failed unexpectedly; it keeps going", e);
      }
    }
  }
}
