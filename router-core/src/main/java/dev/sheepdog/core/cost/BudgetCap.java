package dev.sheepdog.core.cost;

import dev.sheepdog.spi.Money;
import dev.sheepdog.spi.Price;
import java.util.Objects;

/**
 * A limit on what may be spent per UTC day, for everything or for requests carrying one tag, and
 * what happens once it is reached.
 *
 * @param name names the cap in alerts (the alert's subject) and reports
 * @param tag the tag whose spend is capped, or {@code null} for all spend
 * @param dailyLimit positive
 * @param action what happens once the day's spend reaches the limit
 * @param maxOutputNanosPerToken for {@link Action#RESTRICT}: the highest output price a model may
 *     have to still be tried; ignored for {@link Action#REJECT}
 */
public record BudgetCap(String name, String tag, Money dailyLimit, Action action, long maxOutputNanosPerToken) {
  public BudgetCap {
    Objects.requireNonNull(name, "budget cap name must not be null");
    if (name.isBlank()) {
      throw new IllegalArgumentException("budget cap name must not be blank");
    }
    if (tag != null && tag.isBlank()) {
      throw new IllegalArgumentException("tag of budget cap " + name + " must not be blank");
    }
    Objects.requireNonNull(dailyLimit, "daily limit of budget cap " + name + " must not be null");
    if (dailyLimit.nanos() <= 0) {
      throw new IllegalArgumentException("daily limit of budget cap " + name + " must be positive, was " + dailyLimit);
    }
    Objects.requireNonNull(action, "action of budget cap " + name + " must not be null");
    if (maxOutputNanosPerToken < 0) {
      throw new IllegalArgumentException("price ceiling of budget cap " + name + " must not be negative");
    }
  }

  /** A cap on all spend that rejects requests once reached. */
  public static BudgetCap global(String name, Money dailyLimit) {
    return new BudgetCap(name, null, dailyLimit, Action.REJECT, 0);
  }

  /** A cap on the spend of requests tagged {@code tag} that rejects them once reached. */
  public static BudgetCap forTag(String name, String tag, Money dailyLimit) {
    Objects.requireNonNull(tag, "tag of budget cap " + name + " must not be null");
    return new BudgetCap(name, tag, dailyLimit, Action.REJECT, 0);
  }

  /**
   * This cap, but once reached it only lets models whose output price is at most {@code
   * outputUsdPerMillion} (such as {@code "2.00"}) be tried, instead of rejecting.
   */
  public BudgetCap restrictingToOutputPriceAtMost(String outputUsdPerMillion) {
    long ceiling = Price.perMillion("0", outputUsdPerMillion).outputNanosPerToken();
    return new BudgetCap(name, tag, dailyLimit, Action.RESTRICT, ceiling);
  }

  public boolean isGlobal() {
    return tag == null;
  }

  /** What a reached cap does. */
  public enum Action {
    /** No more requests in its scope until the day rolls over. */
    REJECT,
    /** Only models at or under the price ceiling are tried until the day rolls over. */
    RESTRICT
  }
}
