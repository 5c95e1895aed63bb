package dev.sheepdog.spi;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * An exact amount of US dollars, held as a whole number of nano-dollars (10<sup>-9</sup> USD).
 *
 * <p>Prices are quoted per million tokens with at most three decimals ($0.42, $1.675), which is
 * a whole number of nano-dollars per token, so token × price is exact and sums of millions of
 * answers never drift. A long holds up to about 9.2 billion dollars.
 */
public record Money(long nanos) implements Comparable<Money> {
  public static final Money ZERO = new Money(0);

  public static Money ofNanos(long nanos) {
    return nanos == 0 ? ZERO : new Money(nanos);
  }

  /**
   * Parses a dollar amount such as {@code "0.0025"}, {@code "-12"} or {@code "1e-3"}: an optional
   * sign, at most 12 integer and 18 fraction digits, an optional exponent of at most two digits, at
   * most 40 characters. Its shape and length are checked before it is parsed, so hostile input
   * fails at once with a short message. Rejects amounts finer than a nano-dollar or beyond a long's
   * range of nano-dollars.
   *
   * @throws IllegalArgumentException naming what is wrong; the message quotes at most a short
   *     prefix of the input
   */
  public static Money ofUsd(String usd) {
    return ofUsd(Checks.decimal(usd, "amount"));
  }

  /**
   * The amount in {@code usd}; rejects amounts finer than a nano-dollar or beyond a long's range
   * of nano-dollars, with a message of bounded length whatever the value's size.
   */
  public static Money ofUsd(BigDecimal usd) {
    return ofNanos(Checks.scaledExact(usd, 9, "amount", "USD is finer than a nano-dollar"));
  }

  public Money plus(Money other) {
    return ofNanos(Math.addExact(nanos, other.nanos));
  }

  public Money minus(Money other) {
    return ofNanos(Math.subtractExact(nanos, other.nanos));
  }

  public Money times(long factor) {
    return ofNanos(Math.multiplyExact(nanos, factor));
  }

  public boolean isGreaterThan(Money other) {
    return nanos > other.nanos;
  }

  public BigDecimal toUsd() {
    return BigDecimal.valueOf(nanos, 9).stripTrailingZeros();
  }

  /** The amount in dollars with six decimals, rounded half-up; for headers and reports. */
  public String toUsdString() {
    return BigDecimal.valueOf(nanos, 9).setScale(6, RoundingMode.HALF_UP).toPlainString();
  }

  @Override
  public int compareTo(Money other) {
    return Long.compare(nanos, other.nanos);
  }

  @Override
  public String toString() {
    return "$" + toUsd().toPlainString();
  }
}
