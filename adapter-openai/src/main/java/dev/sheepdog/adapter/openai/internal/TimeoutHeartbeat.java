package dev.sheepdog.adapter.openai.internal;

import java.util.concurrent.TimeUnit;
import okio.AsyncTimeout;

/**
 * Keeps an entry due within {@value #PERIOD_MILLIS} ms at the head of Okio's timeout queue while
 * a provider is open.
 *
 * <p>OkHttp enforces the call timeout and every socket read and write timeout through Okio's
 * {@link AsyncTimeout}: one queue, ordered by deadline, watched by one thread. Entering a timeout
 * that becomes the queue's head wakes that thread, which then sleeps again until the new head is
 * due. With few calls in flight nearly every entry is the head (the queue is empty between calls),
 * so each call paid several wake-ups of the watchdog, each a context switch. With this entry, due
 * sooner than any call's timeout, calls' entries queue behind it and wake nobody; the watchdog
 * instead wakes every {@value #PERIOD_MILLIS} ms to re-enter it. Timeouts still fire on time: the
 * watchdog always sleeps until the earliest deadline, whichever entry holds it.
 *
 * <p>Reference-counted: the first {@link #acquire()} starts it, the last {@link #release()} stops it.
 */
public final class TimeoutHeartbeat extends AsyncTimeout {
  public static final long PERIOD_MILLIS = 100;
  private static final Object LOCK = new Object();
  private static TimeoutHeartbeat running;
  private static int users;

  private volatile boolean stopped;
  private volatile long beats;

  private TimeoutHeartbeat() {
    timeout(PERIOD_MILLIS, TimeUnit.MILLISECONDS);
  }

  /** Starts the heartbeat unless it runs already; each call needs one {@link #release()}. */
  public static void acquire() {
    synchronized (LOCK) {
      if (users++ == 0) {
        running = new TimeoutHeartbeat();
        running.enter();
      }
    }
  }

  /** Stops the heartbeat once every {@link #acquire()} has been released. */
  public static void release() {
    synchronized (LOCK) {
      if (users == 0) {
        return;
      }
      if (--users == 0) {
        running.stopped = true;
        running.exit();
        running = null;
      }
    }
  }

  /** How many times the running heartbeat has fired; -1 when none runs. */
  public static long beats() {
    synchronized (LOCK) {
      return running == null ? -1 : running.beats;
    }
  }

  @Override
  protected void timedOut() {
    // called by the watchdog outside its lock, after it took this entry off the queue
    if (!stopped) {
      beats++;
      exit();
      enter();
    }
  }
}
