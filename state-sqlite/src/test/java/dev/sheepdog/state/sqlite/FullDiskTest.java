package dev.sheepdog.state.sqlite;

import dev.sheepdog.state.codec.StateFixtures;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sheepdog.spi.AlertType;
import dev.sheepdog.spi.ModelId;
import dev.sheepdog.spi.Priority;
import dev.sheepdog.spi.RouterEvent;
import dev.sheepdog.spi.RouterListener;
import dev.sheepdog.spi.SpendRow;
import dev.sheepdog.spi.StateStore.StoreHealth;
import dev.sheepdog.spi.TaskType;
import dev.sheepdog.testkit.ManualTicker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A file that cannot grow, as on a full disk: {@code maxSizeBytes} caps it at its current size. */
class FullDiskTest {
  private static final long DAY = 20_454;

  @TempDir
  Path dir;

  private final ManualTicker clock = new ManualTicker();
  private final List<RouterEvent> events = new CopyOnWriteArrayList<>();
  private final RouterListener recording = events::add;

  @Test
  void writesThatCannotGrowTheFileKeepSpendPendingRefuseOffersAndAlertOnce() {
    // given a store with some data, reopened with the file capped at its size
    try (SqliteStateStore store = SqliteStateStore.builder(dir).open()) {
      store.deferred().offer(StateFixtures.request("before", clock.epochMillis()));
      store.spend().add(DAY, ModelId.of("m"), TaskType.GENERAL, Priority.NORMAL, Set.of(), 10);
    }
    try (SqliteStateStore store = SqliteStateStore.builder(dir).maxSizeBytes(1).commitInterval(Duration.ofHours(1))
        .commitBatch(Integer.MAX_VALUE).listener(recording).ticker(clock).open()) {

      // when far more spend than fits is added and flushed
      Set<String> tags = IntStream.range(0, 400).mapToObj(i -> "tag-" + i + "-" + "x".repeat(100))
          .collect(Collectors.toSet());
      store.spend().add(DAY, ModelId.of("m"), TaskType.GENERAL, Priority.NORMAL, tags, 5);
      assertThatThrownBy(store::flush)
          .isInstanceOf(StateStoreException.class)
          .hasMessageContaining("state file " + dir.resolve("state.db") + " cannot be written (")
          .hasMessageContaining("kept in memory");

      // then the store is degraded, the spend waits in memory and load still counts it
      StoreHealth health = store.health();
      assertThat(health.degraded()).isTrue();
      assertThat(health.failedWrites()).isEqualTo(1);
      assertThat(health.pendingSpendRows()).isEqualTo(3 + tags.size());
      assertThat(health.lastError()).contains("SQLITE_FULL");
      assertThat(store.spend().load()).contains(new SpendRow(DAY, SpendRow.Kind.TOTAL, "", 15));

      // when a big request is offered, then it is refused without an exception
      assertThat(store.deferred().offerOrRefusal(StateFixtures.richRequest("x".repeat(50_000))))
          .contains("the deferred store cannot write");
      assertThat(store.deferred().find("before")).isPresent();

      // and another failed flush later still makes one alert only
      assertThatThrownBy(store::flush).isInstanceOf(StateStoreException.class);
      assertThat(store.health().failedWrites()).isEqualTo(3);
      assertThat(events).singleElement().satisfies(event -> {
        RouterEvent.Alert alert = (RouterEvent.Alert) event;
        assertThat(alert.type()).isEqualTo(AlertType.STATE_STORE_FAILING);
        assertThat(alert.subject()).isEqualTo("state");
        assertThat(alert.resolved()).isFalse();
        assertThat(alert.atEpochMillis()).isEqualTo(clock.epochMillis());
        assertThat(alert.message()).contains(dir.resolve("state.db").toString()).doesNotContain("\n");
      });
    }
  }
}
