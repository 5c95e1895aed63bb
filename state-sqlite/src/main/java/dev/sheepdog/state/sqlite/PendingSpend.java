package dev.sheepdog.state.sqlite;

import dev.sheepdog.spi.ModelId;
import dev.sheepdog.spi.Priority;
import dev.sheepdog.spi.SpendRow;
import dev.sheepdog.spi.SpendStore;
import dev.sheepdog.spi.TaskType;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Spend accepted and not yet in the file: one sum per counter, merged as adds arrive.
 *
 * <p>A write takes a {@linkplain #snapshot snapshot}, and once it has committed {@linkplain
 * #written subtracts} what it wrote, so adds that arrived meanwhile stay pending and a write that
 * failed leaves everything where it was, merged with whatever comes next. Adds take no lock of their
 * own: each counter is one {@link ConcurrentHashMap#merge}.
 */
final class PendingSpend {
  /** One counter: a row's identity. */
  record Key(long day, SpendRow.Kind kind, String key) {}

  private final ConcurrentHashMap<Key, Long> sums = new ConcurrentHashMap<>();
  private final AtomicLong adds = new AtomicLong();

  /** Adds one priced answer to its counters; returns the adds pending since the last snapshot. */
  long add(long day, ModelId model, TaskType task, Priority priority, Set<String> tags, long nanos) {
    merge(new Key(day, SpendRow.Kind.TOTAL, ""), nanos);
    merge(new Key(day, SpendRow.Kind.MODEL, model.value()), nanos);
    merge(new Key(day, SpendRow.Kind.ROUTE, SpendStore.routeKey(task, priority)), nanos);
    for (String tag : tags) {
      merge(new Key(day, SpendRow.Kind.TAG, tag), nanos);
    }
    return adds.incrementAndGet();
  }

  /** Adds a model's estimated spend to its counter. */
  void addEstimated(long day, ModelId model, long nanos) {
    merge(new Key(day, SpendRow.Kind.ESTIMATED, model.value()), nanos);
  }

  /** The pending sums now, for a write; restarts the count of adds. */
  Map<Key, Long> snapshot() {
    adds.set(0);
    return new HashMap<>(sums);
  }

  /** Takes what a committed write wrote off the pending sums. */
  void written(Map<Key, Long> rows) {
    rows.forEach((key, nanos) -> sums.computeIfPresent(key, (k, pending) -> {
      long left = pending - nanos;
      return left == 0 ? null : left;
    }));
  }

  /** Adds the pending sums to {@code rows}. */
  void addTo(Map<Key, Long> rows) {
    sums.forEach((key, nanos) -> rows.merge(key, nanos, Long::sum));
  }

  /** How many counters wait to be written. */
  int rows() {
    return sums.size();
  }

  private void merge(Key key, long nanos) {
    sums.merge(key, nanos, Long::sum);
  }
}
