package dev.sheepdog.core.limit;

/**
 * How much of a per-minute limit may be admitted at once. A larger burst serves spiky traffic
 * sooner but lowers the sustained rate, because the two together never exceed the limit in any
 * 60-second window: the sustained rate is {@code limit - burst + 1} per minute.
 *
 * @param fraction the burst as a share of the limit, in (0, 1]
 * @param minimum the smallest burst, at least 1; a burst never exceeds the limit
 */
public record BurstPolicy(double fraction, long minimum) {
  /** 10 % of the limit, at least one: a 500 rpm model bursts 50 and sustains 451 a minute. */
  public static final BurstPolicy DEFAULT = new BurstPolicy(0.10, 1);

  /** No burst: requests are spaced evenly and the full limit is sustained. */
  public static final BurstPolicy NONE = new BurstPolicy(Double.MIN_VALUE, 1);

  public BurstPolicy {
    if (!(fraction > 0 && fraction <= 1)) {
      throw new IllegalArgumentException("burst fraction must be in (0, 1], was " + fraction);
    }
    if (minimum < 1) {
      throw new IllegalArgumentException("burst minimum must be at least 1, was " + minimum);
    }
  }

  public static BurstPolicy ofFraction(double fraction) {
    return new BurstPolicy(fraction, 1);
  }

  /** The burst for {@code limit}: {@code floor(limit * fraction)}, clamped to [minimum, limit]. */
  public long burstFor(long limit) {
    long burst = (long) Math.floor(limit * fraction);
    return Math.min(limit, Math.max(minimum, burst));
  }
}
