package dev.sheepdog.core.state;

import dev.sheepdog.spi.ModelId;
import dev.sheepdog.spi.Priority;
import dev.sheepdog.spi.SpendRow;
import dev.sheepdog.spi.SpendStore;
import dev.sheepdog.spi.TaskType;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * A {@link SpendStore} in memory: its counters outlive the ledgers built on it, not the process.
 * For tests of what a restart keeps (build a second router on the same store) and for embedders
 * who want spend shared between routers of one process. Thread-safe and lock-free.
 */
public final class InMemorySpendStore implements SpendStore {
  private final Map<Key, LongAdder> counters = new ConcurrentHashMap<>();

  @Override
  public List<SpendRow> load() {
    List<SpendRow> rows = new ArrayList<>(counters.size());
    counters.forEach((key, nanos) -> rows.add(new SpendRow(key.day, key.kind, key.key, nanos.sum())));
    return rows;
  }

  @Override
  public void add(long epochDay, ModelId model, TaskType task, Priority priority, Set<String> tags, long nanos) {
    add(epochDay, SpendRow.Kind.TOTAL, "", nanos);
    add(epochDay, SpendRow.Kind.MODEL, model.value(), nanos);
    add(epochDay, SpendRow.Kind.ROUTE, SpendStore.routeKey(task, priority), nanos);
    for (String tag : tags) {
      add(epochDay, SpendRow.Kind.TAG, tag, nanos);
    }
  }

  @Override
  public void addEstimated(long epochDay, ModelId model, long nanos) {
    add(epochDay, SpendRow.Kind.ESTIMATED, model.value(), nanos);
  }

  private void add(long day, SpendRow.Kind kind, String key, long nanos) {
    counters.computeIfAbsent(new Key(day, kind, key), k -> new LongAdder()).add(nanos);
  }

  private record Key(long day, SpendRow.Kind kind, String key) {}
}
