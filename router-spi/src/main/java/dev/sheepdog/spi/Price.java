package dev.sheepdog.spi;

import java.math.BigDecimal;

/**
 * What a model charges, in US dollars per million input and output tokens.
 *
 * <p>Held as nano-dollars per token, which is exact for any price with at most three decimals per
 * million tokens: {@code Price.perMillion("0.42", "1.68")} is 420 and 1,680 nano-dollars a token.
 */
public record Price(long inputNanosPerToken, long outputNanosPerToken) {
  public static final Price FREE = new Price(0, 0);

  public Price {
    Checks.notNegative(inputNanosPerToken, "input price");
    Checks.notNegative(outputNanosPerToken, "output price");
  }

  /**
   * A price from dollars per million tokens, such as {@code perMillion("8.00", "32.00")}; each
   * amount is checked for shape and length before it is parsed, as {@link Money#ofUsd(String)}
   * does.
   */
  public static Price perMillion(String inputUsd, String outputUsd) {
    return perMillion(Checks.decimal(inputUsd, "input price"), Checks.decimal(outputUsd, "output price"));
  }

  public static Price perMillion(BigDecimal inputUsd, BigDecimal outputUsd) {
    return new Price(toNanosPerToken(inputUsd, "input price"), toNanosPerToken(outputUsd, "output price"));
  }

  private static long toNanosPerToken(BigDecimal usdPerMillion, String field) {
    return Checks.scaledExact(usdPerMillion, 3, field, "USD per 1M tokens has more than three decimals");
  }

  /** The exact cost of the given usage. */
  public Money cost(Usage usage) {
    return cost(usage.promptTokens(), usage.completionTokens());
  }

  public Money cost(long promptTokens, long completionTokens) {
    return Money.ofNanos(
        Math.addExact(
            Math.multiplyExact(promptTokens, inputNanosPerToken),
            Math.multiplyExact(completionTokens, outputNanosPerToken)));
  }

  /**
   * An estimate's cost in nano-dollars, without allocating a {@link Money}: saturates at {@code
   * Long.MAX_VALUE} instead of throwing, since an absurd estimate is above any cap and must not
   * fail a request. Tokens must not be negative.
   */
  public long estimateNanos(long promptTokens, long completionTokens) {
    long total = saturatedMultiply(promptTokens, inputNanosPerToken)
        + saturatedMultiply(completionTokens, outputNanosPerToken);
    return total < 0 ? Long.MAX_VALUE : total;
  }

  private static long saturatedMultiply(long a, long b) {
    long high = Math.multiplyHigh(a, b);
    long low = a * b;
    return high == 0 && low >= 0 ? low : Long.MAX_VALUE;
  }

  public BigDecimal inputUsdPerMillion() {
    return BigDecimal.valueOf(inputNanosPerToken, 3).stripTrailingZeros();
  }

  public BigDecimal outputUsdPerMillion() {
    return BigDecimal.valueOf(outputNanosPerToken, 3).stripTrailingZeros();
  }

  @Override
  public String toString() {
    return "$" + inputUsdPerMillion().toPlainString() + " / $" + outputUsdPerMillion().toPlainString() + " per 1M tokens";
  }
}
