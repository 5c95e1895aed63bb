package dev.sheepdog.gateway;

/**
 * Client-supplied text made safe for a log line: printable ASCII only, bounded. Jetty refuses an
 * encoded CR or LF in a path, but a decoded path may still hold U+0085, U+2028 or an escape sequence,
 * which tools that split on Unicode line breaks (or a terminal) would read as more than one line.
 */
final class LogSafe {
  /** Longer fields are cut, with {@code …} written as {@code ...}. */
  static final int MAX_LENGTH = 512;

  private static final char[] HEX = "0123456789ABCDEF".toCharArray();

  private LogSafe() {}

  /**
   * {@code text} with every character outside {@code !}..{@code ~} written as <code>&#92;xHH</code> (below
   * U+0100) or <code>&#92;uHHHH</code>, and the backslash as <code>&#92;&#92;</code>, so an escaped field can never be
   * mistaken for a raw one; {@code -} for {@code null} or empty text.
   */
  static String field(String text) {
    if (text == null || text.isEmpty()) {
      return "-";
    }
    int length = Math.min(text.length(), MAX_LENGTH);
    int i = 0;
    while (i < length && plain(text.charAt(i))) {
      i++;
    }
    if (i == text.length()) {
      return text;
    }
    StringBuilder out = new StringBuilder(length + 16);
    out.append(text, 0, i);
    for (; i < length; i++) {
      char c = text.charAt(i);
      if (plain(c)) {
        out.append(c);
      } else if (c == '\\') {
        out.append("\\\\");
      } else if (c < 0x100) {
        out.append("\\x").append(HEX[c >> 4]).append(HEX[c & 0xF]);
      } else {
        out.append("\\u").append(HEX[c >> 12]).append(HEX[(c >> 8) & 0xF]).append(HEX[(c >> 4) & 0xF])
            .append(HEX[c & 0xF]);
      }
    }
    if (text.length() > length) {
      out.append("...");
    }
    return out.toString();
  }

  private static boolean plain(char c) {
    return c > 0x20 && c < 0x7F && c != '\\';
  }
}
