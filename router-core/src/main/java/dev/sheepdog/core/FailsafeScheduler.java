package dev.sheepdog.core;

import dev.sheepdog.spi.Scheduler;
import dev.sheepdog.spi.Ticker;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Delayed;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Failsafe's scheduler SPI over the router's {@link Scheduler} and {@link Ticker}, so that the
 * waits between rounds follow the injected clock (and tests move it by hand). A task due now runs
 * on the calling thread, as Failsafe's own direct execution would: a request handed to Failsafe
 * after its first round gets its verdict on the spot.
 *
 * <p>Each task is a complete {@link ScheduledFuture}: {@code get} waits for the task as any
 * future does, {@code getDelay} reads the ticker, {@code cancel} removes the task from the
 * scheduler.
 */
final class FailsafeScheduler implements dev.failsafe.spi.Scheduler {
  private final Scheduler scheduler;
  private final Ticker ticker;

  FailsafeScheduler(Scheduler scheduler, Ticker ticker) {
    this.scheduler = scheduler;
    this.ticker = ticker;
  }

  @Override
  public ScheduledFuture<?> schedule(Callable<?> callable, long delay, TimeUnit unit) {
    long delayNanos = Math.max(0, unit.toNanos(delay));
    Task task = new Task(callable, ticker, ticker.nanoTime() + delayNanos);
    if (delayNanos == 0) {
      task.run();
    } else {
      task.handle = scheduler.schedule(task::run, delayNanos, TimeUnit.NANOSECONDS);
      if (task.isCancelled()) {
        task.handle.cancel();
      }
    }
    return task;
  }

  private static final class Task extends CompletableFuture<Object> implements ScheduledFuture<Object> {
    private final Callable<?> callable;
    private final Ticker ticker;
    private final long dueNanos;
    volatile Scheduler.Cancellable handle = Scheduler.Cancellable.DONE;

    Task(Callable<?> callable, Ticker ticker, long dueNanos) {
      this.callable = callable;
      this.ticker = ticker;
      this.dueNanos = dueNanos;
    }

    void run() {
      if (isDone()) {
        return;
      }
      try {
        complete(callable.call());
      } catch (Exception e) {
        completeExceptionally(e);
      }
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
      boolean cancelled = super.cancel(mayInterruptIfRunning);
      if (cancelled) {
        handle.cancel();
      }
      return cancelled;
    }

    @Override
    public long getDelay(TimeUnit unit) {
      return unit.convert(dueNanos - ticker.nanoTime(), TimeUnit.NANOSECONDS);
    }

    @Override
    public int compareTo(Delayed other) {
      return Long.compare(getDelay(TimeUnit.NANOSECONDS), other.getDelay(TimeUnit.NANOSECONDS));
    }
  }
}
