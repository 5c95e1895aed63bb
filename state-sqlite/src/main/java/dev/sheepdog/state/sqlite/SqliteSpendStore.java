package dev.sheepdog.state.sqlite;

import dev.sheepdog.spi.ModelId;
import dev.sheepdog.spi.Priority;
import dev.sheepdog.spi.SpendRow;
import dev.sheepdog.spi.SpendStore;
import dev.sheepdog.spi.TaskType;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The spend counters in the state file, written in group commits.
 *
 * <p>{@link #add} only merges into {@link PendingSpend} in memory; {@link #writePending} moves
 * everything pending to the file in one transaction, adding to each row. The {@link SpendWriter}
 * calls it every commit interval, and at once when {@code commitBatch} adds are waiting; {@code
 * flush} calls it and waits. A crash loses at most the adds since the last commit. A failed write
 * leaves the sums pending, to be retried, and tells {@link WriteHealth}.
 */
final class SqliteSpendStore implements SpendStore {
  private static final String UPSERT = "INSERT INTO spend (day, kind, key, nanos) VALUES (?, ?, ?, ?)"
      + " ON CONFLICT (day, kind, key) DO UPDATE SET nanos = nanos + excluded.nanos";

  private final StateDatabase database;
  private final WriteHealth health;
  private final PendingSpend pending = new PendingSpend();
  private final long commitBatch;
  private final Runnable batchReady;

  /**
   * @param batchReady called on the adding thread when {@code commitBatch} adds are pending; must
   *     not block
   */
  SqliteSpendStore(StateDatabase database, WriteHealth health, int commitBatch, Runnable batchReady) {
    this.database = database;
    this.health = health;
    this.commitBatch = commitBatch;
    this.batchReady = batchReady;
  }

  /**
   * {@inheritDoc}
   *
   * <p>The file's rows with what is still pending added in.
   *
   * @throws StateStoreException if the file cannot be read
   */
  @Override
  public List<SpendRow> load() {
    try {
      return database.read(connection -> {
        Map<PendingSpend.Key, Long> sums = new LinkedHashMap<>();
        try (PreparedStatement select = connection.prepareStatement(
                "SELECT day, kind, key, nanos FROM spend ORDER BY day, kind, key");
            ResultSet rows = select.executeQuery()) {
          while (rows.next()) {
            sums.put(new PendingSpend.Key(rows.getLong(1), SpendRow.Kind.valueOf(rows.getString(2)), rows.getString(3)),
                rows.getLong(4));
          }
        }
        pending.addTo(sums);
        List<SpendRow> rows = new ArrayList<>(sums.size());
        sums.forEach((key, nanos) -> rows.add(new SpendRow(key.day(), key.kind(), key.key(), nanos)));
        return rows;
      });
    } catch (SQLException e) {
      throw new StateStoreException("state file " + database.file() + " cannot be read (" + SqliteErrors.reason(e)
          + "); check the disk it is on", e);
    }
  }

  /** {@inheritDoc} In memory only; never blocks on I/O. */
  @Override
  public void add(long epochDay, ModelId model, TaskType task, Priority priority, Set<String> tags, long nanos) {
    SpendStore.checkAdd(model, task, priority, tags, nanos);
    if (pending.add(epochDay, model, task, priority, tags, nanos) == commitBatch) {
      batchReady.run();
    }
  }

  /** {@inheritDoc} In memory only, written with the next batch; never blocks on I/O. */
  @Override
  public void addEstimated(long epochDay, ModelId model, long nanos) {
    java.util.Objects.requireNonNull(model, "model must not be null");
    if (nanos > 0) {
      pending.addEstimated(epochDay, model, nanos);
    }
  }

  /**
   * Writes every pending sum in one transaction and waits for it. The sums are taken under the
   * file's lock, so two writers (the writer thread and a flush) never write the same spend twice.
   *
   * @throws StateStoreException if the write failed; the sums stay pending
   */
  void writePending() {
    if (pending.rows() == 0) {
      return;
    }
    try {
      database.write(connection -> {
        Map<PendingSpend.Key, Long> rows = pending.snapshot();
        try (PreparedStatement upsert = connection.prepareStatement(UPSERT)) {
          for (Map.Entry<PendingSpend.Key, Long> row : rows.entrySet()) {
            upsert.setLong(1, row.getKey().day());
            upsert.setString(2, row.getKey().kind().name());
            upsert.setString(3, row.getKey().key());
            upsert.setLong(4, row.getValue());
            upsert.addBatch();
          }
          upsert.executeBatch();
        }
        return rows;
      }, pending::written);
    } catch (SQLException e) {
      String reason = SqliteErrors.reason(e);
      health.failed(WriteHealth.Kind.SPEND, reason);
      throw new StateStoreException("state file " + database.file() + " cannot be written (" + reason
          + "); the spend is kept in memory and retried, free disk space or fix the disk", e);
    }
    health.succeeded(WriteHealth.Kind.SPEND);
  }

  /** How many counters wait to be written. */
  int pendingRows() {
    return pending.rows();
  }
}
