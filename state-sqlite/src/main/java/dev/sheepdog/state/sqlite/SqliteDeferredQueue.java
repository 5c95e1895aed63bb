package dev.sheepdog.state.sqlite;

import dev.sheepdog.state.codec.StateJson;
import dev.sheepdog.spi.DeferredAnswer;
import dev.sheepdog.spi.DeferredEntry;
import dev.sheepdog.spi.DeferredQueue;
import dev.sheepdog.spi.DeferredRequest;
import dev.sheepdog.spi.DeferredState;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The deferred queue in the state file.
 *
 * <p><b>Durability.</b> Every operation is one short transaction, committed (with {@code
 * synchronous=FULL}, on disk) before it returns: an {@link #offer} that returned {@code true} is
 * kept across a crash, and so is every claim and settle.
 *
 * <p><b>Claims.</b> {@link #claim} and the settle calls are conditional updates of one row ({@code
 * WHERE id = ? AND claim = ? AND state = 'REPLAYING'} for a settle), so they are atomic even were
 * the file shared: of two replayers racing for an entry one gets it, and a replayer whose claim is
 * stale changes nothing and gets {@code false}.
 *
 * <p><b>Bounds.</b> At most {@code capacity} entries are unsettled ({@code QUEUED} or {@code
 * REPLAYING}); beyond that an offer is refused with "the deferred queue is full". Settled entries
 * stay findable, up to {@code retention} of them; settling one more deletes the oldest (by
 * insertion) in the same transaction. Entries are listed oldest first, by insertion.
 *
 * <p><b>Failures.</b> An offer that cannot be written is refused with "the deferred store cannot
 * write" and counted by {@link WriteHealth}; it never throws for I/O. A claim or settle that cannot
 * be written throws {@link StateStoreException}: the replayer's lease then ends and the entry is
 * claimed again. Reads that fail throw {@link StateStoreException} too.
 */
final class SqliteDeferredQueue implements DeferredQueue {
  static final String FULL = "the deferred queue is full";
  static final String CANNOT_WRITE = "the deferred store cannot write";

  private static final String COLUMNS =
      "request, state, replays, next_attempt_at, last_reason, claim, lease_until, answer";
  private static final String UNSETTLED = "state IN ('QUEUED', 'REPLAYING')";
  private static final String SETTLE = " WHERE id = ? AND claim = ? AND state = 'REPLAYING'";

  private final StateDatabase database;
  private final WriteHealth health;
  private final int capacity;
  private final int retention;

  SqliteDeferredQueue(StateDatabase database, WriteHealth health, int capacity, int retention) {
    this.database = database;
    this.health = health;
    this.capacity = capacity;
    this.retention = retention;
  }

  /**
   * {@inheritDoc}
   *
   * @throws IllegalArgumentException if an entry with the same id is held
   */
  @Override
  public boolean offer(DeferredRequest request) {
    return offerOrRefusal(request).isEmpty();
  }

  /**
   * {@inheritDoc}
   *
   * <p>Refuses with {@value #FULL} or, when the file cannot be written, {@value #CANNOT_WRITE}.
   *
   * @throws IllegalArgumentException if an entry with the same id is held, or the request holds a
   *     pass-through value that is not a JSON value
   */
  @Override
  public Optional<String> offerOrRefusal(DeferredRequest request) {
    Objects.requireNonNull(request, "deferred request must not be null");
    String json = StateJson.write(request);
    Optional<String> refusal;
    try {
      refusal = database.write(connection -> insert(connection, request, json));
    } catch (SQLException e) {
      if (SqliteErrors.primaryCode(e) == SqliteErrors.CONSTRAINT) {
        throw duplicate(request.id());
      }
      health.failed(WriteHealth.Kind.DEFERRED, SqliteErrors.reason(e));
      return Optional.of(CANNOT_WRITE);
    }
    health.succeeded(WriteHealth.Kind.DEFERRED);
    return refusal;
  }

  private Optional<String> insert(Connection connection, DeferredRequest request, String json) throws SQLException {
    try (PreparedStatement exists = connection.prepareStatement("SELECT 1 FROM deferred WHERE id = ?")) {
      exists.setString(1, request.id());
      try (ResultSet rows = exists.executeQuery()) {
        if (rows.next()) {
          throw duplicate(request.id());
        }
      }
    }
    if (count(connection) >= capacity) {
      return Optional.of(FULL);
    }
    try (PreparedStatement insert = connection.prepareStatement("INSERT INTO deferred (id, state, replays,"
        + " next_attempt_at, last_reason, claim, lease_until, request) VALUES (?, 'QUEUED', 0, ?, '', 0, 0, ?)")) {
      insert.setString(1, request.id());
      insert.setLong(2, request.deferredAtEpochMillis());
      insert.setString(3, json);
      insert.executeUpdate();
    }
    return Optional.empty();
  }

  @Override
  public List<DeferredEntry> due(long nowEpochMillis, int max) {
    if (max < 0) {
      throw new IllegalArgumentException("max must not be negative, was " + max);
    }
    return select("SELECT " + COLUMNS + " FROM deferred WHERE (state = 'QUEUED' AND next_attempt_at <= ?)"
        + " OR (state = 'REPLAYING' AND lease_until <= ?) ORDER BY seq LIMIT ?", nowEpochMillis, nowEpochMillis, max);
  }

  @Override
  public Optional<DeferredEntry> claim(String id, long nowEpochMillis, long leaseUntilEpochMillis) {
    Objects.requireNonNull(id, "deferred id must not be null");
    return settle(id, "claim", connection -> {
      try (PreparedStatement claim = connection.prepareStatement("UPDATE deferred SET state = 'REPLAYING',"
          + " claim = claim + 1, lease_until = ? WHERE id = ? AND (state = 'QUEUED'"
          + " OR (state = 'REPLAYING' AND lease_until <= ?))")) {
        claim.setLong(1, leaseUntilEpochMillis);
        claim.setString(2, id);
        claim.setLong(3, nowEpochMillis);
        if (claim.executeUpdate() == 0) {
          return Optional.empty();
        }
      }
      return selectIn(connection, "SELECT " + COLUMNS + " FROM deferred WHERE id = ?", id).stream().findFirst();
    });
  }

  @Override
  public boolean markDelivered(String id, long claim, DeferredAnswer answer) {
    Objects.requireNonNull(answer, "answer must not be null");
    String json = StateJson.write(answer);
    return settled(id, claim, "delivery", "UPDATE deferred SET state = 'DELIVERED', lease_until = 0, answer = ?"
        + SETTLE, json);
  }

  @Override
  public boolean markFailed(String id, long claim, String reason, long nextAttemptAtEpochMillis) {
    return requeue(id, claim, reason, nextAttemptAtEpochMillis, 1);
  }

  @Override
  public boolean release(String id, long claim, String reason, long nextAttemptAtEpochMillis) {
    return requeue(id, claim, reason, nextAttemptAtEpochMillis, 0);
  }

  @Override
  public boolean markDeadLettered(String id, long claim, String reason) {
    return settled(id, claim, "dead-lettering", "UPDATE deferred SET state = 'DEAD_LETTERED', lease_until = 0,"
        + " replays = replays + 1, last_reason = ?" + SETTLE, Objects.requireNonNullElse(reason, ""));
  }

  @Override
  public Optional<DeferredEntry> find(String id) {
    Objects.requireNonNull(id, "deferred id must not be null");
    return select("SELECT " + COLUMNS + " FROM deferred WHERE id = ?", id).stream().findFirst();
  }

  @Override
  public List<DeferredEntry> entries() {
    return select("SELECT " + COLUMNS + " FROM deferred ORDER BY seq");
  }

  @Override
  public int queued() {
    try {
      return database.read(SqliteDeferredQueue::count);
    } catch (SQLException e) {
      throw readFailure(e);
    }
  }

  /** One query on the (state, next_attempt_at) index and the few entries being replayed. */
  @Override
  public long nextDueAtEpochMillis() {
    try {
      return database.read(SqliteDeferredQueue::nextDue);
    } catch (SQLException e) {
      throw readFailure(e);
    }
  }

  private static long nextDue(Connection connection) throws SQLException {
    try (PreparedStatement next = connection.prepareStatement("SELECT MIN(CASE state WHEN 'QUEUED' THEN "
        + "next_attempt_at ELSE lease_until END) FROM deferred WHERE " + UNSETTLED);
        ResultSet rows = next.executeQuery()) {
      rows.next();
      long earliest = rows.getLong(1);
      return rows.wasNull() ? Long.MAX_VALUE : earliest;
    }
  }

  private boolean requeue(String id, long claim, String reason, long nextAttemptAtEpochMillis, int counted) {
    Objects.requireNonNull(id, "deferred id must not be null");
    return settle(id, "requeue", connection -> {
      try (PreparedStatement update = connection.prepareStatement("UPDATE deferred SET state = 'QUEUED',"
          + " lease_until = 0, replays = replays + ?, last_reason = ?, next_attempt_at = ?" + SETTLE)) {
        update.setInt(1, counted);
        update.setString(2, Objects.requireNonNullElse(reason, ""));
        update.setLong(3, nextAttemptAtEpochMillis);
        update.setString(4, id);
        update.setLong(5, claim);
        return update.executeUpdate() == 1;
      }
    });
  }

  /** Settles an entry for good with {@code sql}, whose first parameter is {@code value}. */
  private boolean settled(String id, long claim, String what, String sql, String value) {
    Objects.requireNonNull(id, "deferred id must not be null");
    return settle(id, what, connection -> {
      try (PreparedStatement update = connection.prepareStatement(sql)) {
        update.setString(1, value);
        update.setString(2, id);
        update.setLong(3, claim);
        if (update.executeUpdate() == 0) {
          return false;
        }
      }
      try (PreparedStatement trim = connection.prepareStatement("DELETE FROM deferred WHERE seq IN (SELECT seq"
          + " FROM deferred WHERE state IN ('DELIVERED', 'DEAD_LETTERED') ORDER BY seq DESC LIMIT -1 OFFSET ?)")) {
        trim.setInt(1, retention);
        trim.executeUpdate();
      }
      return true;
    });
  }

  /** Runs a claim or settle of entry {@code id}; a write failure is counted and thrown. */
  private <T> T settle(String id, String what, StateDatabase.Work<T> work) {
    T result;
    try {
      result = database.write(work);
    } catch (SQLException e) {
      String reason = SqliteErrors.reason(e);
      health.failed(WriteHealth.Kind.DEFERRED, reason);
      throw new StateStoreException("state file " + database.file() + " cannot write the " + what
          + " of deferred entry " + id + " (" + reason + "); the entry stays as it was and is replayed again", e);
    }
    health.succeeded(WriteHealth.Kind.DEFERRED);
    return result;
  }

  private List<DeferredEntry> select(String sql, Object... parameters) {
    try {
      return database.read(connection -> selectIn(connection, sql, parameters));
    } catch (SQLException e) {
      throw readFailure(e);
    }
  }

  private List<DeferredEntry> selectIn(Connection connection, String sql, Object... parameters) throws SQLException {
    try (PreparedStatement select = connection.prepareStatement(sql)) {
      for (int i = 0; i < parameters.length; i++) {
        select.setObject(i + 1, parameters[i]);
      }
      List<DeferredEntry> entries = new ArrayList<>();
      try (ResultSet rows = select.executeQuery()) {
        while (rows.next()) {
          entries.add(entry(rows));
        }
      }
      return entries;
    }
  }

  private DeferredEntry entry(ResultSet row) throws SQLException {
    String request = row.getString(1);
    String answer = row.getString(8);
    try {
      return new DeferredEntry(StateJson.readRequest(request), DeferredState.valueOf(row.getString(2)), row.getInt(3),
          row.getLong(4), row.getString(5), row.getLong(6), row.getLong(7),
          answer == null ? null : StateJson.readAnswer(answer));
    } catch (IOException | RuntimeException e) {
      throw new StateStoreException("state file " + database.file() + " holds a deferred entry that cannot be read ("
          + SqliteErrors.reason(e) + "); restore the file from a backup, or move it away to start empty", e);
    }
  }

  private static int count(Connection connection) throws SQLException {
    try (PreparedStatement count = connection.prepareStatement("SELECT COUNT(*) FROM deferred WHERE " + UNSETTLED);
        ResultSet rows = count.executeQuery()) {
      rows.next();
      return rows.getInt(1);
    }
  }

  private StateStoreException readFailure(SQLException e) {
    return new StateStoreException("state file " + database.file() + " cannot be read (" + SqliteErrors.reason(e)
        + "); check the disk it is on", e);
  }

  private static IllegalArgumentException duplicate(String id) {
    return new IllegalArgumentException("deferred id " + id + " is already in the queue");
  }
}
