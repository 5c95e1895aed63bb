package dev.sheepdog.core;

import dev.sheepdog.spi.Ticker;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Limits retry rounds (or hedges) to a fraction of requests over a sliding window (Finagle's and Envoy's retry
 * budgets), so that during an outage retries do not multiply the load on the models left.
 *
 * <h2>Concurrency</h2>
 *
 * The window is ten slots; each slot holds its epoch (which tenth of time it counts), its requests
 * and its retries in three atomic arrays. A thread that finds a stale slot resets it by CAS on the
 * epoch; counts racing with a reset may be lost or land in the new epoch, an error of a request or
 * two that a budget can afford, bought with lock-free, allocation-free recording.
 */
final class RetryBudget {
  private static final int SLOTS = 10;

  private final Ticker ticker;
  private final double ratio;
  private final int minimum;
  private final long slotNanos;
  private final AtomicLongArray epochs = new AtomicLongArray(SLOTS);
  private final AtomicLongArray requests = new AtomicLongArray(SLOTS);
  private final AtomicLongArray retries = new AtomicLongArray(SLOTS);

  RetryBudget(Ticker ticker, RetryConfig config) {
    this(ticker, config.budgetRatio(), config.budgetMinimum(), config.budgetWindow());
  }

  RetryBudget(Ticker ticker, double ratio, int minimum, java.time.Duration window) {
    this.ticker = ticker;
    this.ratio = ratio;
    this.minimum = minimum;
    this.slotNanos = Math.max(1, window.toNanos() / SLOTS);
    long epoch = epoch();
    for (int i = 0; i < SLOTS; i++) {
      epochs.set(i, epoch - SLOTS);
    }
  }

  void recordRequest() {
    requests.incrementAndGet(slot(epoch()));
  }

  /** Takes one retry from the budget if it has room. */
  boolean tryRetry() {
    long epoch = epoch();
    long requestSum = 0;
    long retrySum = 0;
    for (int i = 0; i < SLOTS; i++) {
      if (epoch - epochs.get(i) < SLOTS) {
        requestSum += requests.get(i);
        retrySum += retries.get(i);
      }
    }
    if (retrySum >= Math.max(minimum, (long) (ratio * requestSum))) {
      return false;
    }
    retries.incrementAndGet(slot(epoch));
    return true;
  }

  /**
   * Which tenth of the window now falls in. {@code System.nanoTime()} may be negative: floor
   * division keeps every slot one tenth wide, where {@code /} would make the one around zero twice
   * as wide and keep its retries counted a slot too long.
   */
  private long epoch() {
    return Math.floorDiv(ticker.nanoTime(), slotNanos);
  }

  private int slot(long epoch) {
    int index = (int) Math.floorMod(epoch, (long) SLOTS);
    long seen = epochs.get(index);
    if (seen != epoch && epochs.compareAndSet(index, seen, epoch)) {
      requests.set(index, 0);
      retries.set(index, 0);
    }
    return index;
  }
}
