package dev.sheepdog.testkit;

import dev.sheepdog.spi.Scheduler;
import dev.sheepdog.spi.Ticker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A clock and scheduler that move only when told to, so timing rules are tested without sleeping.
 *
 * <p>{@link #advance} moves time forward and runs every scheduled task that falls due, in due-time
 * order, each with the clock set to its due time; tasks scheduled by those tasks run too if they
 * fall inside the advance. Tasks run on the thread that calls {@code advance}, outside any lock.
 * Thread-safe.
 */
public final class ManualTicker implements Ticker, Scheduler {
  private final AtomicLong nanos = new AtomicLong();
  private final long epochOriginMillis;
  private final PriorityQueue<Task> tasks = new PriorityQueue<>();
  private long sequence;

  /** A ticker whose wall clock starts at 2026-01-01T00:00:00Z. */
  public ManualTicker() {
    this(1_767_225_600_000L);
  }

  public ManualTicker(long epochOriginMillis) {
    this.epochOriginMillis = epochOriginMillis;
  }

  @Override
  public long nanoTime() {
    return nanos.get();
  }

  @Override
  public long epochMillis() {
    return epochOriginMillis + TimeUnit.NANOSECONDS.toMillis(nanos.get());
  }

  /** Time since this ticker was created. */
  public Duration elapsed() {
    return Duration.ofNanos(nanos.get());
  }

  @Override
  public Cancellable schedule(Runnable task, long delay, TimeUnit unit) {
    Task scheduled;
    synchronized (tasks) {
      scheduled = new Task(nanos.get() + Math.max(0, unit.toNanos(delay)), sequence++, task);
      tasks.add(scheduled);
    }
    return () -> {
      synchronized (tasks) {
        return tasks.remove(scheduled);
      }
    };
  }

  /** Moves time forward by {@code duration}, running what falls due. */
  public void advance(Duration duration) {
    advanceNanos(duration.toNanos());
  }

  public void advance(long amount, TimeUnit unit) {
    advanceNanos(unit.toNanos(amount));
  }

  private void advanceNanos(long delta) {
    if (delta < 0) {
      throw new IllegalArgumentException("time only moves forward; was asked to move " + delta + " ns");
    }
    long target = nanos.get() + delta;
    while (true) {
      Task next;
      synchronized (tasks) {
        next = tasks.peek();
        if (next == null || next.dueNanos > target) {
          break;
        }
        tasks.poll();
      }
      nanos.accumulateAndGet(next.dueNanos, Math::max);
      next.runnable.run();
    }
    nanos.accumulateAndGet(target, Math::max);
  }

  /** Runs the tasks already due without moving time (those scheduled with no delay). */
  public void runDue() {
    advanceNanos(0);
  }

  /** How many tasks are waiting. */
  public int pendingTasks() {
    synchronized (tasks) {
      return tasks.size();
    }
  }

  /** The due times of the waiting tasks, relative to now; for assertions. */
  public List<Duration> pendingDelays() {
    List<Duration> delays = new ArrayList<>();
    synchronized (tasks) {
      for (Task t : tasks) {
        delays.add(Duration.ofNanos(t.dueNanos - nanos.get()));
      }
    }
    delays.sort(null);
    return delays;
  }

  private record Task(long dueNanos, long sequence, Runnable runnable) implements Comparable<Task> {
    @Override
    public int compareTo(Task other) {
      int byTime = Long.compare(dueNanos, other.dueNanos);
      return byTime != 0 ? byTime : Long.compare(sequence, other.sequence);
    }
  }
}
