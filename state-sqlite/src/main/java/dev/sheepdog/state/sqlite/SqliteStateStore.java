package dev.sheepdog.state.sqlite;

import dev.sheepdog.spi.AlertType;
import dev.sheepdog.spi.DeferredQueue;
import dev.sheepdog.spi.RouterListener;
import dev.sheepdog.spi.SpendStore;
import dev.sheepdog.spi.StateStore;
import dev.sheepdog.spi.Ticker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link StateStore} in one SQLite file, {@code <directory>/state.db}, embedded in the process:
 * no server.
 *
 * <p><b>One process per directory.</b> The store holds an exclusive OS lock on {@code
 * <directory>/state.lock} from {@link Builder#open} to {@link #close}; a second store on the same
 * directory, in this process or another, fails to open with a {@link StateStoreException}.
 *
 * <p><b>Spend.</b> {@link SpendStore#add} merges into sums in memory and returns: no I/O, no lock
 * beyond a map's bucket. The daemon thread {@code sheepdog-state-writer} writes the sums in one
 * transaction every {@linkplain Builder#commitInterval commit interval}, or sooner when {@linkplain
 * Builder#commitBatch a batch} of adds is waiting; a crash loses at most the spend of one interval.
 * {@link #flush} writes everything now and waits. A write that fails (a full disk, an I/O error)
 * keeps the sums in memory and is retried on the next round; the store reports itself {@linkplain
 * #health degraded} and raises one {@link AlertType#STATE_STORE_FAILING} alert per episode,
 * resolved when it writes again.
 *
 * <p><b>Deferred requests.</b> Each queue operation is a transaction committed before it returns:
 * an offer that returned {@code true} is on disk. While the file cannot be written, offers are
 * refused ("the deferred store cannot write") rather than accepted and lost.
 *
 * <p><b>Opening.</b> {@link Builder#open} creates the directory if missing, checks the file's
 * integrity and schema, and migrates an older schema. Whatever is wrong fails it with a {@link
 * StateStoreException} whose one-line message names the file and the fix.
 *
 * <p>Thread-safe. The file is in WAL mode with {@code synchronous=FULL}; one connection serves
 * every write and read, in turn.
 */
public final class SqliteStateStore implements StateStore {
  public static final int DEFAULT_DEFERRED_CAPACITY = 1_000;
  public static final int DEFAULT_DEFERRED_RETENTION = 1_000;
  public static final Duration DEFAULT_COMMIT_INTERVAL = Duration.ofMillis(100);
  public static final int DEFAULT_COMMIT_BATCH = 1_000;

  private static final Logger LOG = LoggerFactory.getLogger(SqliteStateStore.class);

  private final DirectoryLock lock;
  private final StateDatabase database;
  private final WriteHealth health;
  private final SqliteSpendStore spend;
  private final SqliteDeferredQueue deferred;
  private final SpendWriter writer;
  private final AtomicBoolean closed = new AtomicBoolean();

  private SqliteStateStore(Builder builder, DirectoryLock lock, StateDatabase database) {
    this.lock = lock;
    this.database = database;
    this.health = new WriteHealth(database.file().toString(), builder.listener, builder.ticker);
    this.spend = new SqliteSpendStore(database, health, builder.commitBatch, this::commitSoon);
    this.deferred = new SqliteDeferredQueue(database, health, builder.deferredCapacity, builder.deferredRetention);
    this.writer = new SpendWriter(spend, builder.commitInterval);
    writer.start();
  }

  /** A builder for a store kept in {@code directory}. */
  public static Builder builder(Path directory) {
    return new Builder(directory);
  }

  @Override
  public SpendStore spend() {
    return spend;
  }

  @Override
  public DeferredQueue deferred() {
    return deferred;
  }

  /**
   * {@inheritDoc}
   *
   * <p>Writes the pending spend on the calling thread; deferred entries are durable already.
   *
   * @throws StateStoreException if the spend cannot be written; it stays pending
   */
  @Override
  public void flush() {
    spend.writePending();
  }

  @Override
  public StoreHealth health() {
    return new StoreHealth(health.degraded(), health.failedWrites(), spend.pendingRows(), health.lastError());
  }

  @Override
  public String describe() {
    return "SQLite file " + database.file();
  }

  /**
   * {@inheritDoc}
   *
   * <p>Stops the writer, writes the pending spend (logging, not throwing, if it cannot), closes the
   * file and releases the directory. Idempotent.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    try {
      writer.stop();
      spend.writePending();
    } catch (StateStoreException e) {
      LOG.error("state store {} closed with {} spend counters it could not write, which are lost ({})",
          database.file(), spend.pendingRows(), health.lastError());
    } finally {
      database.close();
      lock.close();
    }
  }

  private void commitSoon() {
    writer.wake();
  }

  /**
   * Configures and opens a {@link SqliteStateStore}. Defaults: {@value #DEFAULT_DEFERRED_CAPACITY}
   * unsettled deferred entries, {@value #DEFAULT_DEFERRED_RETENTION} settled ones kept, a commit
   * every 100 ms or every {@value #DEFAULT_COMMIT_BATCH} adds, no size cap, no listener, the system
   * clock.
   */
  public static final class Builder {
    private final Path directory;
    private int deferredCapacity = DEFAULT_DEFERRED_CAPACITY;
    private int deferredRetention = DEFAULT_DEFERRED_RETENTION;
    private Duration commitInterval = DEFAULT_COMMIT_INTERVAL;
    private int commitBatch = DEFAULT_COMMIT_BATCH;
    private long maxSizeBytes;
    private RouterListener listener = RouterListener.NONE;
    private Ticker ticker = Ticker.system();

    private Builder(Path directory) {
      this.directory = Objects.requireNonNull(directory, "state directory must not be null").toAbsolutePath();
    }

    /** The most unsettled ({@code QUEUED} or {@code REPLAYING}) entries; offers beyond are refused. */
    public Builder deferredCapacity(int deferredCapacity) {
      if (deferredCapacity < 1) {
        throw new IllegalArgumentException("deferred capacity must be positive, was " + deferredCapacity);
      }
      this.deferredCapacity = deferredCapacity;
      return this;
    }

    /** How many settled entries stay findable; settling more deletes the oldest. */
    public Builder deferredRetention(int deferredRetention) {
      if (deferredRetention < 0) {
        throw new IllegalArgumentException("deferred retention must not be negative, was " + deferredRetention);
      }
      this.deferredRetention = deferredRetention;
      return this;
    }

    /** How often pending spend is written: the most spend a crash can lose. */
    public Builder commitInterval(Duration commitInterval) {
      Objects.requireNonNull(commitInterval, "commit interval must not be null");
      if (commitInterval.isNegative() || commitInterval.isZero()) {
        throw new IllegalArgumentException("commit interval must be positive, was " + commitInterval);
      }
      this.commitInterval = commitInterval;
      return this;
    }

    /** How many spend adds make the writer commit before its interval ends. */
    public Builder commitBatch(int commitBatch) {
      if (commitBatch < 1) {
        throw new IllegalArgumentException("commit batch must be positive, was " + commitBatch);
      }
      this.commitBatch = commitBatch;
      return this;
    }

    /**
     * The most the state file may grow to, in bytes, rounded up to whole pages (0, the default,
     * for no cap). A file already larger keeps its size and does not grow. Writes that would go
     * beyond fail as on a full disk.
     */
    public Builder maxSizeBytes(long maxSizeBytes) {
      if (maxSizeBytes < 0) {
        throw new IllegalArgumentException("max size must not be negative, was " + maxSizeBytes);
      }
      this.maxSizeBytes = maxSizeBytes;
      return this;
    }

    /** Hears the {@link AlertType#STATE_STORE_FAILING} alerts. */
    public Builder listener(RouterListener listener) {
      this.listener = Objects.requireNonNull(listener, "listener must not be null");
      return this;
    }

    /** The clock alerts are stamped with. */
    public Builder ticker(Ticker ticker) {
      this.ticker = Objects.requireNonNull(ticker, "ticker must not be null");
      return this;
    }

    /**
     * Locks the directory, opens (or creates) the state file, checks and migrates it, and starts
     * the writer.
     *
     * @throws StateStoreException if the directory is in use or cannot be used, or the file is
     *     unreadable, not a Sheepdog state database, corrupt, or of a newer schema
     */
    public SqliteStateStore open() {
      DirectoryLock lock = DirectoryLock.acquire(directory);
      try {
        return new SqliteStateStore(this, lock, StateDatabase.open(directory, maxSizeBytes));
      } catch (RuntimeException e) {
        lock.close();
        throw e;
      }
    }
  }
}
