package dev.sheepdog.adapter.http;

import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The first-line deadlines of streams: one daemon thread for the whole JVM, whose tasks only abort
 * a request. Cancelled deadlines leave the queue at once, so streams that got their first line hold
 * nothing here.
 */
final class Timers {
  private static final ScheduledThreadPoolExecutor TIMER = timer();

  private Timers() {}

  static ScheduledFuture<?> schedule(Runnable task, Duration delay) {
    long nanos;
    try {
      nanos = delay.toNanos();
    } catch (ArithmeticException centuries) {
      nanos = Long.MAX_VALUE;
    }
    return TIMER.schedule(task, nanos, TimeUnit.NANOSECONDS);
  }

  private static ScheduledThreadPoolExecutor timer() {
    ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, task -> {
      Thread thread = new Thread(task, "sheepdog-adapter-http-deadlines");
      thread.setDaemon(true);
      return thread;
    });
    timer.setRemoveOnCancelPolicy(true);
    return timer;
  }
}
