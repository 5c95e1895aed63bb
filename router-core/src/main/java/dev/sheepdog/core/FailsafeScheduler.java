package dev.sheepdog.core;

import dev.sheepdog.spi.Scheduler;
import java.util.concurrent.Callable;
import java.util.concurrent.Delayed;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs Failsafe's retry scheduling on the router's {@link Scheduler}, so that backoff between
 * rounds follows the injected clock (and tests move it by hand). A task due now runs on the
 * calling thread: the first round starts where {@code route()} was called.
 */
final class FailsafeScheduler implements dev.failsafe.spi.Scheduler {
  private final Scheduler scheduler;

  FailsafeScheduler(Scheduler scheduler) {
    this.scheduler = scheduler;
  }

  @Override
  public ScheduledFuture<?> schedule(Callable<?> callable, long delay, TimeUnit unit) {
    Task task = new Task(callable);
    if (delay <= 0) {
      task.run();
    } else {
      task.handle = scheduler.schedule(task::run, delay, unit);
    }
    return task;
  }

  private static final class Task implements ScheduledFuture<Object> {
    private final Callable<?> callable;
    volatile Scheduler.Cancellable handle = Scheduler.Cancellable.DONE;
    private volatile boolean cancelled;
    private volatile boolean done;

    Task(Callable<?> callable) {
      this.callable = callable;
    }

    void run() {
      if (cancelled) {
        return;
      }
      try {
        callable.call();
      } catch (Exception e) {
        // Failsafe's callables record their own failures; nothing escapes to us.
      } finally {
        done = true;
      }
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
      if (done) {
        return false;
      }
      cancelled = true;
      return handle.cancel();
    }

    @Override
    public boolean isCancelled() {
      return cancelled;
    }

    @Override
    public boolean isDone() {
      return done || cancelled;
    }

    @Override
    public Object get() {
      throw new UnsupportedOperationException("Sheepdog's scheduled tasks are not awaited");
    }

    @Override
    public Object get(long timeout, TimeUnit unit) {
      throw new UnsupportedOperationException("Sheepdog's scheduled tasks are not awaited");
    }

    @Override
    public long getDelay(TimeUnit unit) {
      return 0;
    }

    @Override
    public int compareTo(Delayed other) {
      return Long.compare(getDelay(TimeUnit.NANOSECONDS), other.getDelay(TimeUnit.NANOSECONDS));
    }
  }
}
