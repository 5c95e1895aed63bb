package dev.sheepdog.core;

import dev.sheepdog.spi.Scheduler;
import java.util.concurrent.TimeUnit;

/**
 * A request's one task on the scheduler, due at the earliest of its deadline and the timeouts of
 * its attempts in flight.
 *
 * <p>Due times only move later (an attempt's timeout never passes the deadline, and each later
 * attempt starts later), so the timer is armed when none is, or when something falls due sooner
 * than what it is armed for; a firing that finds nothing due yet re-arms it for what is due next.
 * The request's end disarms it. Created the first time a request needs it: a request answered
 * while its provider call returns (a cache, a stub) never schedules anything.
 *
 * <p>Guarded by the execution's monitor, except {@link #run}, which the scheduler calls and which
 * hands over to the execution.
 */
final class RequestTimer implements Runnable {
  private final FailoverExecution<?> execution;
  private final Scheduler scheduler;
  private Scheduler.Cancellable handle = Scheduler.Cancellable.DONE;
  private boolean armed;
  private long dueNanos;

  RequestTimer(FailoverExecution<?> execution, Scheduler scheduler) {
    this.execution = execution;
    this.scheduler = scheduler;
  }

  /**
   * Arms the timer for the earliest of {@code deadlineNanos} and the armed timeouts of the attempts
   * in flight ({@code first}, {@code second}, either may be {@code null}). Holding the monitor.
   */
  void arm(long deadlineNanos, AttemptRun first, AttemptRun second, long now) {
    long due = deadlineNanos;
    if (first != null && first.timeoutArmed() && first.dueNanos - due < 0) {
      due = first.dueNanos;
    }
    if (second != null && second.timeoutArmed() && second.dueNanos - due < 0) {
      due = second.dueNanos;
    }
    armFor(due, now);
  }

  /** Arms the timer for {@code due} unless it is armed for that time or sooner. Holding the monitor. */
  private void armFor(long due, long now) {
    if (armed && dueNanos - due <= 0) {
      return;
    }
    Scheduler.Cancellable previous = handle;
    armed = true;
    dueNanos = due;
    handle = scheduler.schedule(this, Math.max(1, due - now), TimeUnit.NANOSECONDS);
    previous.cancel();
  }

  /** The scheduled task ran at {@code now}: it is gone if it was the one armed. Holding the monitor. */
  void fired(long now) {
    if (armed && now - dueNanos >= 0) {
      armed = false;
      handle = Scheduler.Cancellable.DONE;
    }
  }

  /** Forgets the scheduled task and returns it, to be cancelled outside the monitor. Holding the monitor. */
  Scheduler.Cancellable disarm() {
    Scheduler.Cancellable scheduled = handle;
    handle = Scheduler.Cancellable.DONE;
    armed = false;
    return scheduled;
  }

  @Override
  public void run() {
    execution.onTimer();
  }
}
