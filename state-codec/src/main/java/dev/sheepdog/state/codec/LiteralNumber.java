package dev.sheepdog.state.codec;

/**
 * A stored number that neither a {@code long} nor a {@code double} prints back as (a 30-digit id,
 * {@code 1e400}), kept as its literal: writing it again writes the same text, and reading it costs
 * nothing proportional to its size until someone asks for its value. ({@code new BigDecimal} of a
 * long literal is quadratic, and a client chooses the numbers of a request it sends.)
 */
public final class LiteralNumber extends Number {
  private static final long serialVersionUID = 1L;

  private final String literal;

  public LiteralNumber(String literal) {
    this.literal = literal;
  }

  @Override
  public int intValue() {
    return (int) doubleValue();
  }

  @Override
  public long longValue() {
    return (long) doubleValue();
  }

  @Override
  public float floatValue() {
    return (float) doubleValue();
  }

  @Override
  public double doubleValue() {
    return Double.parseDouble(literal);
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof LiteralNumber that && literal.equals(that.literal);
  }

  @Override
  public int hashCode() {
    return literal.hashCode();
  }

  @Override
  public String toString() {
    return literal;
  }
}
