package dev.sheepdog.spi;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/** The system clock and a shared one-thread scheduler, created on first use. */
final class SystemTime implements Ticker, Scheduler {
  static final SystemTime INSTANCE = new SystemTime();

  private SystemTime() {}

  @Override
  public long nanoTime() {
    return System.nanoTime();
  }

  @Override
  public long epochMillis() {
    return System.currentTimeMillis();
  }

  @Override
  public Cancellable schedule(Runnable task, long delay, TimeUnit unit) {
    ScheduledFuture<?> future = Holder.EXECUTOR.schedule(task, delay, unit);
    return () -> future.cancel(false);
  }

  private static final class Holder {
    static final ScheduledThreadPoolExecutor EXECUTOR = create();

    private static ScheduledThreadPoolExecutor create() {
      ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, runnable -> {
        Thread thread = new Thread(runnable, "sheepdog-scheduler");
        thread.setDaemon(true);
        return thread;
      });
      // Deadlines are usually cancelled long before they fire; don't keep them queued.
      executor.setRemoveOnCancelPolicy(true);
      return executor;
    }
  }
}
