package dev.sheepdog.spi;

import java.math.BigDecimal;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Argument checks shared by the value records; messages name the offending field.
 *
 * <p>A message never grows with the input: values that come from outside (a header, a request, a
 * config file) are {@linkplain #quote quoted} by a bounded prefix, and decimals are checked for
 * shape and length before any {@link BigDecimal} work.
 */
final class Checks {
  /** The longest prefix of a value a message quotes. */
  static final int QUOTED_CHARS = 40;

  /** The longest decimal text parsed; longer ones are refused before parsing. */
  static final int MAX_DECIMAL_CHARS = 40;

  private static final int MAX_INTEGER_DIGITS = 12;
  private static final int MAX_FRACTION_DIGITS = 18;
  private static final int MAX_EXPONENT_DIGITS = 2;
  /** 2^256 has 78 digits, far more than a long scaled by nine decimals can use. */
  private static final int MAX_UNSCALED_BITS = 256;

  private Checks() {}

  /**
   * The value in quotes, cut to a bounded prefix with its length when longer, so that a message
   * stays short whatever was given.
   */
  static String quote(Object value) {
    String text = String.valueOf(value);
    if (text.length() <= QUOTED_CHARS) {
      return '"' + text + '"';
    }
    return '"' + text.substring(0, QUOTED_CHARS) + "\u2026\" (" + text.length() + " characters)";
  }

  /**
   * Parses a decimal such as {@code 0.0025}, {@code -12} or {@code 1e-3}: an optional sign, up to
   * 12 integer and 18 fraction digits (ASCII), an optional exponent of at most two digits, and no
   * more than 40 characters in all. The shape is checked before {@link BigDecimal} sees the text,
   * so {@code "1e999999999"} or a million digits fail at once.
   */
  static BigDecimal decimal(String text, String field) {
    notBlank(text, field);
    if (text.length() > MAX_DECIMAL_CHARS || !isBoundedDecimal(text)) {
      throw new IllegalArgumentException(field + " must be a decimal number such as 0.0025 (at most "
          + MAX_INTEGER_DIGITS + " integer and " + MAX_FRACTION_DIGITS + " fraction digits), was " + quote(text));
    }
    return new BigDecimal(text);
  }

  private static boolean isBoundedDecimal(String text) {
    int n = text.length();
    int i = 0;
    if (text.charAt(i) == '+' || text.charAt(i) == '-') {
      i++;
    }
    int integerDigits = digits(text, i);
    i += integerDigits;
    int fractionDigits = 0;
    if (i < n && text.charAt(i) == '.') {
      i++;
      fractionDigits = digits(text, i);
      i += fractionDigits;
    }
    if (integerDigits + fractionDigits == 0 || integerDigits > MAX_INTEGER_DIGITS
        || fractionDigits > MAX_FRACTION_DIGITS) {
      return false;
    }
    if (i < n && (text.charAt(i) == 'e' || text.charAt(i) == 'E')) {
      i++;
      if (i < n && (text.charAt(i) == '+' || text.charAt(i) == '-')) {
        i++;
      }
      int exponentDigits = digits(text, i);
      if (exponentDigits == 0 || exponentDigits > MAX_EXPONENT_DIGITS) {
        return false;
      }
      i += exponentDigits;
    }
    return i == n;
  }

  private static int digits(String text, int from) {
    int i = from;
    while (i < text.length() && text.charAt(i) >= '0' && text.charAt(i) <= '9') {
      i++;
    }
    return i - from;
  }

  /**
   * {@code value × 10^decimals} as a long, failing with a short message when it has more decimals
   * ({@code finer} says what that means) or does not fit. Values too wide to matter are refused
   * from their bit length, before any arithmetic on them.
   */
  static long scaledExact(BigDecimal value, int decimals, String field, String finer) {
    notNull(value, field);
    if (value.signum() == 0) {
      return 0;
    }
    if (value.unscaledValue().bitLength() > MAX_UNSCALED_BITS) {
      throw new IllegalArgumentException(field + " has too many digits (" + value.unscaledValue().bitLength()
          + " bits)");
    }
    BigDecimal stripped;
    try {
      stripped = value.stripTrailingZeros();
    } catch (ArithmeticException e) {
      throw new IllegalArgumentException(field + " " + quote(value) + " is out of range", e);
    }
    if (stripped.scale() > decimals) {
      throw new IllegalArgumentException(field + " " + quote(value) + " " + finer);
    }
    try {
      return stripped.movePointRight(decimals).longValueExact();
    } catch (ArithmeticException e) {
      throw new IllegalArgumentException(field + " " + quote(value) + " is too large", e);
    }
  }

  static String notBlank(String value, String field) {
    Objects.requireNonNull(value, () -> field + " must not be null");
    if (value.isBlank()) {
      throw new IllegalArgumentException(field + " must not be blank");
    }
    return value;
  }

  static <T> T notNull(T value, String field) {
    return Objects.requireNonNull(value, () -> field + " must not be null");
  }

  static long notNegative(long value, String field) {
    if (value < 0) {
      throw new IllegalArgumentException(field + " must not be negative, was " + value);
    }
    return value;
  }

  static <T> T[] noNulls(T[] values, String field) {
    for (T value : values) {
      Objects.requireNonNull(value, () -> field + " must not contain null");
    }
    return values;
  }

  static <T> void noNulls(Collection<T> values, String field) {
    Objects.requireNonNull(values, () -> field + " must not be null");
    for (T value : values) {
      Objects.requireNonNull(value, () -> field + " must not contain null");
    }
  }

  /**
   * An unmodifiable copy that keeps insertion order and null values: pass-through JSON members
   * are forwarded as they came, {@code "stop": null} included.
   */
  static Map<String, Object> passThrough(Map<String, ?> map, String field) {
    if (map == null || map.isEmpty()) {
      return Map.of();
    }
    Map<String, Object> copy = new LinkedHashMap<>(map.size() * 2);
    for (Map.Entry<String, ?> e : map.entrySet()) {
      copy.put(Objects.requireNonNull(e.getKey(), () -> field + " must not contain a null key"), e.getValue());
    }
    return Collections.unmodifiableMap(copy);
  }
}
