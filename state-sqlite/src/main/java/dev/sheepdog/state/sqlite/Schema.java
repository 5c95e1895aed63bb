package dev.sheepdog.state.sqlite;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * The state file's tables, versioned with {@code PRAGMA user_version}: migration {@code n} takes a
 * file from version {@code n} to {@code n + 1}, and every pending one is applied in one transaction
 * when a store opens, so a file is never left half migrated. A file of a newer version than this
 * Sheepdog knows is refused rather than guessed at; a file whose {@code application_id} is not
 * Sheepdog's is refused as not being a state database.
 */
final class Schema {
  /** Marks a file as Sheepdog's: "ShDg". */
  static final int APPLICATION_ID = 0x53684467;

  private static final List<List<String>> MIGRATIONS = List.of(
      // v1: spend counters and deferred entries
      List.of(
          """
          CREATE TABLE spend (
            day INTEGER NOT NULL,
            kind TEXT NOT NULL,
            key TEXT NOT NULL,
            nanos INTEGER NOT NULL,
            PRIMARY KEY (day, kind, key)
          ) WITHOUT ROWID""",
          """
          CREATE TABLE deferred (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            id TEXT NOT NULL UNIQUE,
            state TEXT NOT NULL,
            replays INTEGER NOT NULL,
            next_attempt_at INTEGER NOT NULL,
            last_reason TEXT NOT NULL,
            claim INTEGER NOT NULL,
            lease_until INTEGER NOT NULL,
            request TEXT NOT NULL,
            answer TEXT
          )""",
          "CREATE INDEX deferred_state_due ON deferred (state, next_attempt_at)"));

  private Schema() {}

  /** The version this Sheepdog writes. */
  static int latest() {
    return MIGRATIONS.size();
  }

  /**
   * Brings the file to the {@linkplain #latest latest} version.
   *
   * @throws StateStoreException if the file is newer than this Sheepdog or not Sheepdog's
   */
  static void migrate(Connection connection, Path file) throws SQLException {
    int version = intPragma(connection, "user_version");
    if (version > latest()) {
      throw new StateStoreException("state file " + file + " has schema version " + version + ", newer than version "
          + latest() + " this Sheepdog knows; run a newer Sheepdog or set state.path to another directory");
    }
    boolean foreign = version == 0
        ? hasTables(connection)
        : intPragma(connection, "application_id") != APPLICATION_ID;
    if (foreign) {
      throw new StateStoreException("state file " + file + " is not a Sheepdog state database or is corrupt (it holds"
          + " another application's tables); move it away to start empty, or restore it from a backup");
    }
    if (version == latest()) {
      return;
    }
    try (Statement statement = connection.createStatement()) {
      statement.execute("BEGIN IMMEDIATE");
      try {
        for (List<String> migration : MIGRATIONS.subList(version, latest())) {
          for (String sql : migration) {
            statement.execute(sql);
          }
        }
        statement.execute("PRAGMA application_id = " + APPLICATION_ID);
        statement.execute("PRAGMA user_version = " + latest());
        statement.execute("COMMIT");
      } catch (SQLException | RuntimeException e) {
        StateDatabase.rollbackQuietly(statement);
        throw e;
      }
    }
  }

  private static int intPragma(Connection connection, String pragma) throws SQLException {
    try (Statement statement = connection.createStatement();
        ResultSet rows = statement.executeQuery("PRAGMA " + pragma)) {
      return rows.next() ? rows.getInt(1) : 0;
    }
  }

  private static boolean hasTables(Connection connection) throws SQLException {
    try (Statement statement = connection.createStatement();
        ResultSet rows = statement.executeQuery("SELECT 1 FROM sqlite_schema LIMIT 1")) {
      return rows.next();
    }
  }
}
