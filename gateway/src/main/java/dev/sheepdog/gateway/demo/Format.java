package dev.sheepdog.gateway.demo;

import java.time.Duration;
import java.util.Locale;

/** Numbers as the demo prints them. */
final class Format {
  private Format() {}

  static String millis(Duration d) {
    return d == null ? "-" : String.format(Locale.ROOT, "%,d ms", d.toMillis());
  }

  static String seconds(Duration d) {
    return String.format(Locale.ROOT, "%.1f s", d.toMillis() / 1000.0);
  }

  static String percent(double fraction) {
    return String.format(Locale.ROOT, "%.1f %%", fraction * 100);
  }

  static String count(long n) {
    return String.format(Locale.ROOT, "%,d", n);
  }

  /** Dollars with four decimals: the demo's answers cost fractions of a cent. */
  static String usd(dev.sheepdog.spi.Money money) {
    return "$" + money.toUsd().setScale(4, java.math.RoundingMode.HALF_UP).toPlainString();
  }

  static String pad(String s, int width) {
    return s.length() >= width ? s : s + " ".repeat(width - s.length());
  }

  static String padLeft(String s, int width) {
    return s.length() >= width ? s : " ".repeat(width - s.length()) + s;
  }
}
