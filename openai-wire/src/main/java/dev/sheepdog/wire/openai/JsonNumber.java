package dev.sheepdog.wire.openai;

/**
 * A JSON number kept as the literal it was written as, so that it is forwarded byte for byte:
 * {@code 1.0} stays {@code 1.0}, {@code 1E+400} stays {@code 1E+400}, and a 30-digit seed keeps
 * every digit. {@link JsonValueAdapter} reads a number into one of these when neither a {@code
 * Long} nor a {@code Double} would print it back the same.
 *
 * <p>The literal's length is chosen by whoever wrote the JSON, a client or an upstream, so nothing
 * here costs more than time linear in it: no {@code BigInteger} or {@code BigDecimal}, whose
 * conversions from text are quadratic (a 1 MB literal took 15 s of CPU).
 *
 * <ul>
 *   <li>{@link #toString()} is the literal; {@link #equals} and {@link #hashCode()} compare
 *       literals, so {@code 1.0} and {@code 1.00} are different values here, as they are
 *       different JSON.
 *   <li>{@link #doubleValue()} and {@link #floatValue()} are the nearest {@code double} and
 *       {@code float}, as {@link Double#parseDouble} reads them: infinite beyond the type's range,
 *       zero below it.
 *   <li>{@link #longValue()} is the value truncated toward zero and saturated: {@code 2.9} is 2,
 *       {@code -2.9} is -2, {@code 1e30} is {@link Long#MAX_VALUE}. {@link #intValue()} likewise,
 *       saturated at the {@code int} range. Neither wraps around as {@code BigDecimal}'s do, and
 *       neither costs more than 19 digits' work once the number is made. No method throws.
 * </ul>
 */
public final class JsonNumber extends Number {
  private static final long serialVersionUID = 1L;

  /** Exponents beyond this are all alike: they make any nonzero digit too large or too small. */
  private static final long EXPONENT_LIMIT = 1_000_000_000_000_000L;

  private final String literal;
  private final boolean negative;
  /** Index of the integer part's first digit: 0, or 1 after a minus sign. */
  private final int integerStart;
  /** Index of the {@code .}, or of the end of the integer part when there is no fraction. */
  private final int integerEnd;
  /** Index just past the fraction's digits (the {@code e}, or the end). */
  private final int fractionEnd;
  /** Index in the digit sequence (integer digits, then fraction digits) of the first nonzero digit; -1 for zero. */
  private final int firstNonZero;
  /** The exponent, clamped to ±{@link #EXPONENT_LIMIT}. */
  private final long exponent;
  private transient volatile Double asDouble;

  private JsonNumber(String literal, boolean negative, int integerStart, int integerEnd, int fractionEnd,
      int firstNonZero, long exponent) {
    this.literal = literal;
    this.negative = negative;
    this.integerStart = integerStart;
    this.integerEnd = integerEnd;
    this.fractionEnd = fractionEnd;
    this.firstNonZero = firstNonZero;
    this.exponent = exponent;
  }

  /**
   * The number written as {@code literal}, which must be a JSON number: an optional minus, an
   * integer without leading zeros, an optional fraction, an optional exponent. Time linear in the
   * literal's length.
   *
   * @throws NumberFormatException when it is not; the message does not repeat the literal
   */
  public static JsonNumber of(String literal) {
    int length = literal.length();
    int i = 0;
    boolean negative = length > 0 && literal.charAt(0) == '-';
    if (negative) {
      i++;
    }
    int integerStart = i;
    if (i < length && literal.charAt(i) == '0') {
      i++;
    } else {
      i = digits(literal, i);
    }
    if (i == integerStart) {
      throw notANumber(length);
    }
    int integerEnd = i;
    int fractionEnd = i;
    if (i < length && literal.charAt(i) == '.') {
      fractionEnd = digits(literal, i + 1);
      if (fractionEnd == i + 1) {
        throw notANumber(length);
      }
      i = fractionEnd;
    }
    long exponent = 0;
    if (i < length && (literal.charAt(i) == 'e' || literal.charAt(i) == 'E')) {
      i++;
      boolean negativeExponent = i < length && literal.charAt(i) == '-';
      if (i < length && (literal.charAt(i) == '-' || literal.charAt(i) == '+')) {
        i++;
      }
      int exponentStart = i;
      for (; i < length && isDigit(literal.charAt(i)); i++) {
        if (exponent < EXPONENT_LIMIT) {
          exponent = exponent * 10 + (literal.charAt(i) - '0');
        }
      }
      if (i == exponentStart) {
        throw notANumber(length);
      }
      exponent = Math.min(exponent, EXPONENT_LIMIT);
      if (negativeExponent) {
        exponent = -exponent;
      }
    }
    if (i != length) {
      throw notANumber(length);
    }
    int firstNonZero = -1;
    int integerDigits = integerEnd - integerStart;
    for (int d = 0, count = integerDigits + Math.max(0, fractionEnd - integerEnd - 1); d < count; d++) {
      if (digitAt(literal, integerStart, integerEnd, integerDigits, d) != '0') {
        firstNonZero = d;
        break;
      }
    }
    return new JsonNumber(literal, negative, integerStart, integerEnd, fractionEnd, firstNonZero, exponent);
  }

  private static int digits(String text, int from) {
    int i = from;
    while (i < text.length() && isDigit(text.charAt(i))) {
      i++;
    }
    return i;
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  private static NumberFormatException notANumber(int length) {
    return new NumberFormatException("not a JSON number literal (" + length + " characters)");
  }

  /** The {@code d}th digit of integer and fraction digits taken together, skipping the point. */
  private static char digitAt(String literal, int integerStart, int integerEnd, int integerDigits, int d) {
    return d < integerDigits ? literal.charAt(integerStart + d) : literal.charAt(integerEnd + 1 + d - integerDigits);
  }

  /** The number's value truncated toward zero, saturated at {@code long}'s range. */
  @Override
  public long longValue() {
    if (firstNonZero < 0) {
      return 0;
    }
    int integerDigits = integerEnd - integerStart;
    int allDigits = integerDigits + Math.max(0, fractionEnd - integerEnd - 1);
    // the value is 0.d1d2d3… × 10^pointAt, counting digits from the first nonzero one
    long pointAt = integerDigits + exponent - firstNonZero;
    if (pointAt <= 0) {
      return 0;
    }
    if (pointAt > 19) {
      return negative ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
    // accumulated negative, as Long.parseLong does, so that Long.MIN_VALUE fits
    long limit = negative ? Long.MIN_VALUE : -Long.MAX_VALUE;
    long value = 0;
    for (int d = firstNonZero; d < firstNonZero + pointAt; d++) {
      int digit = d < allDigits ? digitAt(literal, integerStart, integerEnd, integerDigits, d) - '0' : 0;
      if (value < limit / 10 || value * 10 < limit + digit) {
        return negative ? Long.MIN_VALUE : Long.MAX_VALUE;
      }
      value = value * 10 - digit;
    }
    return negative ? value : -value;
  }

  /** {@link #longValue()} saturated at {@code int}'s range. */
  @Override
  public int intValue() {
    long value = longValue();
    return (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, value));
  }

  @Override
  public double doubleValue() {
    Double cached = asDouble;
    if (cached == null) {
      cached = Double.parseDouble(literal);
      asDouble = cached;
    }
    return cached;
  }

  @Override
  public float floatValue() {
    return Float.parseFloat(literal);
  }

  /** The literal, as it was given. */
  @Override
  public String toString() {
    return literal;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof JsonNumber that && literal.equals(that.literal);
  }

  @Override
  public int hashCode() {
    return literal.hashCode();
  }
}
