package dev.sheepdog.state.sqlite;

import dev.sheepdog.spi.DeferredQueue;
import dev.sheepdog.state.codec.DurableDeferredQueueContract;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

/** The deferred queue's contract on a SQLite file; "opened again" is a restart on the same file. */
class SqliteDeferredQueueTest extends DurableDeferredQueueContract {
  @TempDir
  Path dir;

  private SqliteStateStore store;
  private int capacity;
  private int retained;

  @Override
  protected DeferredQueue open(int capacity, int retained) {
    this.capacity = capacity;
    this.retained = retained;
    store = SqliteStateStore.builder(dir).deferredCapacity(capacity).deferredRetention(retained).ticker(clock).open();
    return store.deferred();
  }

  /** A restart: the store is closed and opened again on the same file. */
  @Override
  protected DeferredQueue openAgain() {
    store.close();
    return open(capacity, retained);
  }

  @AfterEach
  void close() {
    if (store != null) {
      store.close();
    }
  }
}
