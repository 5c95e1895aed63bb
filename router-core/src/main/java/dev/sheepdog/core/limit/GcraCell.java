package dev.sheepdog.core.limit;

import java.util.concurrent.atomic.AtomicLong;

/**
 * One budget of units per window (requests or tokens), enforced with the generic cell rate
 * algorithm (GCRA).
 *
 * <p><b>Concurrency.</b> The whole state is one {@link AtomicLong}, the theoretical arrival time
 * ({@code tat}): the instant at which every unit admitted so far would have drained at the
 * sustained rate of one unit per {@code emissionNanos}. Taking units is a CAS loop that reads
 * {@code tat}, decides, and publishes {@code max(tat, now) + units * emissionNanos}; a lost race
 * re-reads and decides again, so no admission is ever based on stale state and no lock is held.
 * Nothing is allocated.
 *
 * <p><b>Rule.</b> {@code units} are admitted at {@code now} iff {@code tat + units * emission <=
 * now + burst * emission}, using the raw {@code tat} (which may lie in the past). The emission
 * interval is {@code ceil(window / (limit - burst + 1))}. Together they guarantee that the units
 * admitted at instants inside any half-open window {@code [s, s + window)} sum to at most {@code
 * limit}, whatever the order in which racing threads read the clock: let {@code g} be the last
 * admission of that window in CAS order and {@code K} the units admitted in the window up to and
 * including {@code g}. Every admission adds at least its units to {@code tat} and the first one
 * starts from at least its own instant {@code >= s}, so {@code tat} before {@code g} is at least
 * {@code s + (K - k_g) e}; {@code g}'s rule then gives {@code K e <= t_g - s + B e <= window - 1 +
 * B e < (limit + 1) e}, hence {@code K <= limit}. A request larger than the burst is admitted only
 * after the cell has been idle long enough for the same bound to hold.
 *
 * <p>{@link #refund} is the one operation that lowers {@code tat}; see its note on what it does to
 * the bound.
 */
final class GcraCell {
  private final long limit;
  private final long burst;
  private final long emissionNanos;
  private final AtomicLong tat;

  GcraCell(long limit, long burst, long windowNanos, long nowNanos) {
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be positive, was " + limit);
    }
    if (burst < 1 || burst > limit) {
      throw new IllegalArgumentException("burst must be between 1 and the limit " + limit + ", was " + burst);
    }
    this.limit = limit;
    this.burst = burst;
    long slots = limit - burst + 1;
    this.emissionNanos = Math.max(1, (windowNanos + slots - 1) / slots);
    // Start as if the cell had been idle for a whole window: even a limit-sized request fits.
    this.tat = new AtomicLong(nowNanos - windowNanos);
  }

  long limit() {
    return limit;
  }

  long burst() {
    return burst;
  }

  long emissionNanos() {
    return emissionNanos;
  }

  /** The current theoretical arrival time. */
  long tat() {
    return tat.get();
  }

  /**
   * By how many nanoseconds {@code units} would arrive too early if the cell held {@code current}
   * at {@code now}; {@code 0} or less means they fit. {@code units} must not exceed the limit.
   */
  long excessNanos(long current, long units, long now) {
    return saturatedAdd(current, cost(units)) - saturatedAdd(now, cost(burst));
  }

  /** The value to publish when {@code units} are admitted at {@code now} over {@code current}. */
  long next(long current, long units, long now) {
    return saturatedAdd(Math.max(current, now), cost(units));
  }

  boolean compareAndSet(long expected, long next) {
    return tat.compareAndSet(expected, next);
  }

  /** Takes {@code units} if they fit now: {@code 0} when taken, else the nanoseconds to wait. */
  long tryTake(long units, long now) {
    while (true) {
      long current = tat.get();
      long excess = excessNanos(current, units, now);
      if (excess > 0) {
        return excess;
      }
      if (tat.compareAndSet(current, next(current, units, now))) {
        return 0;
      }
    }
  }

  /** Charges {@code units} without asking, for usage above what was reserved. */
  void charge(long units, long now) {
    if (units <= 0) {
      return;
    }
    long charge = cost(units);
    tat.getAndUpdate(current -> saturatedAdd(Math.max(current, now), charge));
  }

  /**
   * Gives back {@code units} that were reserved but not used, never moving {@code tat} below now
   * (the cell cannot be made to look idler than it was). The window bound is exact for what is
   * admitted; a refund makes room for later admissions as if the refunded reservation had been
   * smaller, which can let the admitted-minus-refunded total of a window exceed the limit by at
   * most the refunded units of reservations admitted before that window.
   */
  void refund(long units, long now) {
    if (units <= 0) {
      return;
    }
    long charge = cost(units);
    tat.getAndUpdate(current -> current <= now ? current : Math.max(current - charge, now));
  }

  /** The largest number of units admitted now, between 0 and the limit. */
  long available(long now) {
    long idle = now - tat.get();
    long units = Math.floorDiv(idle, emissionNanos) + burst;
    return Math.max(0, Math.min(limit, units));
  }

  private long cost(long units) {
    long high = Math.multiplyHigh(units, emissionNanos);
    long low = units * emissionNanos;
    return (high == 0 && low >= 0) ? low : Long.MAX_VALUE / 4;
  }

  private static long saturatedAdd(long a, long b) {
    long sum = a + b;
    // overflow only when both have the same sign and the sum's sign differs
    if (((a ^ sum) & (b ^ sum)) < 0) {
      return a < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
    return sum;
  }
}
