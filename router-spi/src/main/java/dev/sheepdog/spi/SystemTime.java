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
    static final long HEARTBEAT_MILLIS = 100;
    static final ScheduledThreadPoolExecutor EXECUTOR = create();

    private static ScheduledThreadPoolExecutor create() {
      ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, runnable -> {
        Thread thread = new Thread(runnable, "sheepdog-scheduler");
        thread.setDaemon(true);
        return thread;
      });
      // Deadlines are usually cancelled long before they fire; don't keep them queued.
      executor.setRemoveOnCancelPolicy(true);
      // A task that becomes the head of the queue wakes the scheduler's thread so it can wait for
      // the new, earlier due time. Requests arm timers of seconds and cancel them within
      // milliseconds, so with few requests in flight every arming would be a new head and a
      // wake-up of the thread, costing more than the rest of the request. A no-op heartbeat every
      // HEARTBEAT_MILLIS keeps an earlier task at the head: arming a longer timer then only
      // queues it. The price is one wake-up per heartbeat.
      executor.scheduleAtFixedRate(() -> { }, HEARTBEAT_MILLIS, HEARTBEAT_MILLIS, TimeUnit.MILLISECONDS);
      return executor;
    }
  }
}
