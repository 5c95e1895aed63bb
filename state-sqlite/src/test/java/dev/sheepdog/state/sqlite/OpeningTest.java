package dev.sheepdog.state.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sheepdog.spi.StateStore.StoreHealth;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OpeningTest {
  @TempDir
  Path dir;

  @Test
  void createsAMissingDirectoryWithTheFileAndTheLock() {
    // given a directory that does not exist yet
    Path state = dir.resolve("nested/state");

    // when a store opens there
    try (SqliteStateStore store = SqliteStateStore.builder(state).open()) {
      // then it made the directory, the file and the lock
      assertThat(state.resolve("state.db")).exists();
      assertThat(state.resolve("state.lock")).exists();
      assertThat(store.describe()).isEqualTo("SQLite file " + state.resolve("state.db"));
      assertThat(store.health()).isEqualTo(StoreHealth.HEALTHY);
    }
  }

  @Test
  void aSecondStoreOnALockedDirectoryIsRefused() {
    // given a store holding the directory
    try (SqliteStateStore first = SqliteStateStore.builder(dir).open()) {
      // when another opens on it, then it is refused, naming the lock and the fix
      assertThatThrownBy(() -> SqliteStateStore.builder(dir).open())
          .isInstanceOf(StateStoreException.class)
          .hasMessage("state directory " + dir + " is in use by another Sheepdog process (lock held on "
              + dir.resolve("state.lock") + "); stop that process or set state.path to another directory");
    }
  }

  @Test
  void closingReleasesTheDirectoryAndIsIdempotent() {
    // given a store that was closed twice
    SqliteStateStore first = SqliteStateStore.builder(dir).open();
    first.close();
    first.close();

    // when another opens on the directory, then it may
    try (SqliteStateStore second = SqliteStateStore.builder(dir).open()) {
      assertThat(second.deferred().queued()).isZero();
    }
  }

  @Test
  void aFileOfGarbageIsRefusedNamingTheFile() throws Exception {
    // given a state.db that is not a database
    Path file = dir.resolve("state.db");
    byte[] garbage = new byte[8192];
    for (int i = 0; i < garbage.length; i++) {
      garbage[i] = (byte) (i * 31 + 7);
    }
    Files.write(file, garbage);

    // when a store opens, then it is refused with the file and the fix on one line
    assertThatThrownBy(() -> SqliteStateStore.builder(dir).open())
        .isInstanceOf(StateStoreException.class)
        .hasMessageStartingWith("state file " + file + " is not a Sheepdog state database or is corrupt (")
        .hasMessageEndingWith("); move it away to start empty, or restore it from a backup")
        .hasMessageNotContaining("\n");

    // and the directory is not left locked
    Files.delete(file);
    SqliteStateStore.builder(dir).open().close();
  }

  @Test
  void anotherApplicationsDatabaseIsRefused() throws Exception {
    // given a SQLite file with someone else's tables
    Path file = dir.resolve("state.db");
    execute(file, "CREATE TABLE customers (id INTEGER PRIMARY KEY)");

    // when a store opens, then it is refused as not being Sheepdog's
    assertThatThrownBy(() -> SqliteStateStore.builder(dir).open())
        .isInstanceOf(StateStoreException.class)
        .hasMessageContaining("state file " + file + " is not a Sheepdog state database")
        .hasMessageContaining("move it away");
  }

  @Test
  void aNewerSchemaIsRefusedNamingItsVersion() throws Exception {
    // given a state file a newer Sheepdog wrote
    SqliteStateStore.builder(dir).open().close();
    Path file = dir.resolve("state.db");
    execute(file, "PRAGMA user_version = 99");

    // when this one opens it, then it is refused, naming both versions
    assertThatThrownBy(() -> SqliteStateStore.builder(dir).open())
        .isInstanceOf(StateStoreException.class)
        .hasMessage("state file " + file + " has schema version 99, newer than version 1 this Sheepdog knows;"
            + " run a newer Sheepdog or set state.path to another directory");
  }

  @Test
  void reopeningAFileOfTheCurrentSchemaKeepsIt() throws Exception {
    // given a file already at the current schema
    SqliteStateStore.builder(dir).open().close();

    // when it is opened again, then nothing is migrated twice
    try (SqliteStateStore store = SqliteStateStore.builder(dir).open()) {
      assertThat(store.deferred().entries()).isEmpty();
    }
    try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("state.db"));
        Statement statement = connection.createStatement();
        var rows = statement.executeQuery("PRAGMA user_version")) {
      rows.next();
      assertThat(rows.getInt(1)).isEqualTo(Schema.latest());
    }
  }

  private static void execute(Path file, String sql) throws Exception {
    try (Connection connection = DriverManager.getConnection("jdbc:sqlite:" + file);
        Statement statement = connection.createStatement()) {
      statement.execute(sql);
    }
  }
}
