package dev.sheepdog.state.sqlite;

import java.sql.SQLException;

/** Turns failures into the short, one-line reasons the store's messages quote. */
final class SqliteErrors {
  /** SQLite's primary result codes the store tells apart (the low byte of an extended code). */
  static final int PERM = 3;
  static final int READONLY = 8;
  static final int CORRUPT = 11;
  static final int CANTOPEN = 14;
  static final int CONSTRAINT = 19;
  static final int AUTH = 23;
  static final int NOTADB = 26;

  /** The longest reason quoted, so that a message stays one short line. */
  private static final int MAX_REASON_CHARS = 200;

  private SqliteErrors() {}

  /** SQLite's primary result code of {@code e}, or 0 when it carries none. */
  static int primaryCode(SQLException e) {
    return e.getErrorCode() & 0xFF;
  }

  /** Whether the file is not a database or is damaged. */
  static boolean isCorrupt(SQLException e) {
    int code = primaryCode(e);
    return code == NOTADB || code == CORRUPT;
  }

  /** Whether the file or its directory cannot be opened or written for lack of rights. */
  static boolean isPermission(SQLException e) {
    int code = primaryCode(e);
    return code == PERM || code == READONLY || code == CANTOPEN || code == AUTH;
  }

  /** {@code e}'s message on one line, cut to a bounded length; its class name when it has none. */
  static String reason(Exception e) {
    String message = e.getMessage();
    String text = message == null || message.isBlank() ? e.getClass().getSimpleName()
        : e instanceof SQLException ? message : e.getClass().getSimpleName() + ": " + message;
    return oneLine(text);
  }

  /** {@code text} on one line, cut to a bounded length. */
  static String oneLine(String text) {
    String line = text.replaceAll("\\s+", " ").trim();
    return line.length() <= MAX_REASON_CHARS ? line : line.substring(0, MAX_REASON_CHARS) + "\u2026";
  }
}
