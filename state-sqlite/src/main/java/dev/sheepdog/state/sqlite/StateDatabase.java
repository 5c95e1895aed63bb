package dev.sheepdog.state.sqlite;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * The state file and the one connection to it.
 *
 * <p><b>Setup.</b> Opening checks the file before anything trusts it: WAL journal, {@code
 * synchronous=FULL} (a committed transaction is on disk when {@code COMMIT} returns), a busy
 * timeout, {@code PRAGMA quick_check}, then the {@linkplain Schema schema} migrations. Every way
 * this can fail becomes a {@link StateStoreException} whose one-line message names the file and the
 * fix.
 *
 * <p><b>Concurrency.</b> One connection, guarded by one lock: the spend writer's group commits, the
 * deferred queue's transactions and every read take turns. Transactions are short and begin {@code
 * IMMEDIATE}, so a write never fails half way for want of the file's write lock.
 */
final class StateDatabase implements AutoCloseable {
  static final String FILE_NAME = "state.db";

  private static final int BUSY_TIMEOUT_MILLIS = 5_000;

  private final Path file;
  private final Connection connection;
  private final ReentrantLock lock = new ReentrantLock();
  private boolean closed;

  private StateDatabase(Path file, Connection connection) {
    this.file = file;
    this.connection = connection;
  }

  /** Work on the connection, run under the lock. */
  @FunctionalInterface
  interface Work<T> {
    T run(Connection connection) throws SQLException;
  }

  /**
   * Opens {@code <directory>/state.db}, creating it empty when missing.
   *
   * @param maxSizeBytes the most the file may grow to (0 for no cap): writes beyond it fail as on a
   *     full disk
   * @throws StateStoreException if the file cannot be opened, is not a Sheepdog state database, is
   *     corrupt or is of a newer schema
   */
  static StateDatabase open(Path directory, long maxSizeBytes) {
    Path file = directory.resolve(FILE_NAME);
    if (Files.exists(file) && !(Files.isReadable(file) && Files.isWritable(file))) {
      throw unreadable(file, "permission denied", null);
    }
    Connection connection;
    try {
      // the driver itself, not DriverManager's registry: that registry is found through the class
      // loader that first asks, which in a plug-in or shaded setup may not see sqlite-jdbc
      connection = org.sqlite.JDBC.createConnection("jdbc:sqlite:" + file, new java.util.Properties());
    } catch (SQLException e) {
      throw openFailure(file, e);
    }
    try {
      prepare(connection, file, maxSizeBytes);
      return new StateDatabase(file, connection);
    } catch (SQLException e) {
      closeQuietly(connection);
      throw openFailure(file, e);
    } catch (RuntimeException e) {
      closeQuietly(connection);
      throw e;
    }
  }

  private static void prepare(Connection connection, Path file, long maxSizeBytes) throws SQLException {
    try (Statement statement = connection.createStatement()) {
      statement.execute("PRAGMA busy_timeout = " + BUSY_TIMEOUT_MILLIS);
      String mode = text(statement, "PRAGMA journal_mode = WAL");
      if (!"wal".equalsIgnoreCase(mode)) {
        throw new StateStoreException("state file " + file + " cannot use a write-ahead log (journal mode stayed "
            + mode + "); put state.path on a local disk");
      }
      String check = text(statement, "PRAGMA quick_check");
      if (!"ok".equalsIgnoreCase(check)) {
        throw new StateStoreException("state file " + file + " is not a Sheepdog state database or is corrupt ("
            + SqliteErrors.oneLine(check) + "); move it away to start empty, or restore it from a backup");
      }
      statement.execute("PRAGMA synchronous = FULL");
      Schema.migrate(connection, file);
      if (maxSizeBytes > 0) {
        long pageSize = Long.parseLong(text(statement, "PRAGMA page_size"));
        statement.execute("PRAGMA max_page_count = " + Math.max(1, (maxSizeBytes + pageSize - 1) / pageSize));
      }
    }
  }

  Path file() {
    return file;
  }

  /** Runs {@code work} under the lock, outside any transaction: one statement reads one snapshot. */
  <T> T read(Work<T> work) throws SQLException {
    lock.lock();
    try {
      ensureOpen();
      return work.run(connection);
    } finally {
      lock.unlock();
    }
  }

  /**
   * Runs {@code work} under the lock in one {@code IMMEDIATE} transaction, committed before this
   * returns and rolled back if anything in it throws.
   */
  <T> T write(Work<T> work) throws SQLException {
    return write(work, result -> {});
  }

  /**
   * Like {@link #write(Work)}, and hands {@code work}'s result to {@code committed} once the
   * transaction has committed, still under the lock: what is moved from memory to the file is never
   * seen in both, or in neither, by a {@link #read}, nor moved twice by two writers.
   */
  <T> T write(Work<T> work, Consumer<T> committed) throws SQLException {
    lock.lock();
    try {
      ensureOpen();
      try (Statement statement = connection.createStatement()) {
        statement.execute("BEGIN IMMEDIATE");
        try {
          T result = work.run(connection);
          statement.execute("COMMIT");
          committed.accept(result);
          return result;
        } catch (SQLException | RuntimeException e) {
          rollbackQuietly(statement);
          throw e;
        }
      }
    } finally {
      lock.unlock();
    }
  }

  /** Closes the connection; SQLite checkpoints the write-ahead log into the file. Idempotent. */
  @Override
  public void close() {
    lock.lock();
    try {
      if (!closed) {
        closed = true;
        closeQuietly(connection);
      }
    } finally {
      lock.unlock();
    }
  }

  static void rollbackQuietly(Statement statement) {
    try {
      statement.execute("ROLLBACK");
    } catch (SQLException e) {
      // SQLite rolls back by itself after some failures (a full disk); then there is nothing to undo
    }
  }

  private void ensureOpen() {
    if (closed) {
      throw new IllegalStateException("the state store at " + file + " is closed");
    }
  }

  private static String text(Statement statement, String sql) throws SQLException {
    try (ResultSet rows = statement.executeQuery(sql)) {
      return rows.next() ? rows.getString(1) : "";
    }
  }

  private static StateStoreException openFailure(Path file, SQLException e) {
    if (SqliteErrors.isCorrupt(e)) {
      return new StateStoreException("state file " + file + " is not a Sheepdog state database or is corrupt ("
          + SqliteErrors.reason(e) + "); move it away to start empty, or restore it from a backup", e);
    }
    if (SqliteErrors.isPermission(e)) {
      return unreadable(file, SqliteErrors.reason(e), e);
    }
    return new StateStoreException("state file " + file + " cannot be opened (" + SqliteErrors.reason(e)
        + "); check the disk it is on, or set state.path to another directory", e);
  }

  private static StateStoreException unreadable(Path file, String reason, Throwable cause) {
    return new StateStoreException("state file " + file + " cannot be opened for reading and writing (" + reason
        + "); give this user read and write access to it and its directory, or set state.path to another directory", cause);
  }

  private static void closeQuietly(Connection connection) {
    try {
      connection.close();
    } catch (SQLException e) {
      // the connection is gone either way
    }
  }
}
