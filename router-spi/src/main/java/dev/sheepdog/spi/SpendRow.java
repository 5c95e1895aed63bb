package dev.sheepdog.spi;

/**
 * One counter of spend: what was spent on one UTC day in total, on one model, on one route or by
 * requests carrying one tag, in nano-dollars. Counters only grow; a store adds to them and hands
 * them back at start.
 *
 * @param epochDay the UTC day, as days since 1970-01-01
 * @param kind what {@code key} names
 * @param key the model id, the route as {@code task:priority}, the tag, or {@code ""} for the total
 * @param nanos nano-dollars, not negative
 */
public record SpendRow(long epochDay, Kind kind, String key, long nanos) {
  public SpendRow {
    Checks.notNull(kind, "kind");
    Checks.notNull(key, "key");
    Checks.notNegative(nanos, "nanos");
    if (kind == Kind.TOTAL && !key.isEmpty()) {
      throw new IllegalArgumentException("the total's key is empty");
    }
  }

  /** What a row counts. */
  public enum Kind {
    /** Everything spent that day; the counter global budget caps are checked against. */
    TOTAL,
    /** Spent on one catalog model. */
    MODEL,
    /** Spent on one route, {@code task:priority}. */
    ROUTE,
    /** Spent by requests carrying one tag; tag budget caps are checked against these. */
    TAG,
    /**
     * Of one model's spend (counted in {@link #TOTAL} and {@link #MODEL} already), what was priced
     * from estimates because the provider reported no usage.
     */
    ESTIMATED
  }
}
