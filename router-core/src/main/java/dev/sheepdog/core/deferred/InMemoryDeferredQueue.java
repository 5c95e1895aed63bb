package dev.sheepdog.core.deferred;

import dev.sheepdog.spi.DeferredEntry;
import dev.sheepdog.spi.DeferredQueue;
import dev.sheepdog.spi.DeferredRequest;
import dev.sheepdog.spi.DeferredState;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The default {@link DeferredQueue}: bounded, in memory, lost on restart.
 *
 * <p>At most {@code capacity} entries are {@code QUEUED}; when full, {@link #offer} returns {@code
 * false} and the caller tells its client. Delivered and dead-lettered entries stay findable by id,
 * up to {@code terminalRetention} of them; beyond that the oldest terminal one is forgotten. An
 * offered entry is due at once; the replayer sets later due times as replays fail.
 *
 * <p><b>Concurrency.</b> One monitor guards both maps. Operations are short (the longest, {@link
 * #due}, scans at most {@code capacity} entries) and deferral is rare next to routing, so a lock is
 * simpler than anything cleverer and makes "exactly one state per entry" obvious: an entry moves
 * from the queued map to the terminal map in one critical section.
 */
public final class InMemoryDeferredQueue implements DeferredQueue {
  public static final int DEFAULT_CAPACITY = 1_000;
  public static final int DEFAULT_TERMINAL_RETENTION = 1_000;

  private final int capacity;
  private final int terminalRetention;
  private final LinkedHashMap<String, DeferredEntry> queued = new LinkedHashMap<>();
  private final LinkedHashMap<String, DeferredEntry> terminal = new LinkedHashMap<>();

  public InMemoryDeferredQueue(int capacity, int terminalRetention) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be positive, was " + capacity);
    }
    if (terminalRetention < 0) {
      throw new IllegalArgumentException("terminal retention must not be negative, was " + terminalRetention);
    }
    this.capacity = capacity;
    this.terminalRetention = terminalRetention;
  }

  public InMemoryDeferredQueue() {
    this(DEFAULT_CAPACITY, DEFAULT_TERMINAL_RETENTION);
  }

  /**
   * {@inheritDoc}
   *
   * @throws IllegalArgumentException if an entry with the same id is still held
   */
  @Override
  public synchronized boolean offer(DeferredRequest request) {
    Objects.requireNonNull(request, "deferred request must not be null");
    if (queued.containsKey(request.id()) || terminal.containsKey(request.id())) {
      throw new IllegalArgumentException("deferred id " + request.id() + " is already in the queue");
    }
    if (queued.size() >= capacity) {
      return false;
    }
    queued.put(request.id(), new DeferredEntry(request, DeferredState.QUEUED, 0, request.deferredAtEpochMillis(), ""));
    return true;
  }

  @Override
  public synchronized List<DeferredEntry> due(long nowEpochMillis, int max) {
    if (max < 0) {
      throw new IllegalArgumentException("max must not be negative, was " + max);
    }
    List<DeferredEntry> due = new ArrayList<>(Math.min(max, queued.size()));
    for (DeferredEntry entry : queued.values()) {
      if (due.size() >= max) {
        break;
      }
      if (entry.nextAttemptAtEpochMillis() <= nowEpochMillis) {
        due.add(entry);
      }
    }
    return due;
  }

  @Override
  public synchronized void markDelivered(String id) {
    DeferredEntry entry = takeQueued(id, "delivered");
    moveToTerminal(new DeferredEntry(entry.request(), DeferredState.DELIVERED, entry.replays(),
        entry.nextAttemptAtEpochMillis(), entry.lastReason()));
  }

  @Override
  public synchronized void markFailed(String id, String reason, long nextAttemptAtEpochMillis) {
    DeferredEntry entry = queuedEntry(id, "failed");
    queued.put(id, new DeferredEntry(entry.request(), DeferredState.QUEUED, entry.replays() + 1,
        nextAttemptAtEpochMillis, reason));
  }

  @Override
  public synchronized void markDeadLettered(String id, String reason) {
    DeferredEntry entry = takeQueued(id, "dead-lettered");
    moveToTerminal(new DeferredEntry(entry.request(), DeferredState.DEAD_LETTERED, entry.replays(),
        entry.nextAttemptAtEpochMillis(), reason));
  }

  @Override
  public synchronized Optional<DeferredEntry> find(String id) {
    DeferredEntry entry = queued.get(id);
    return Optional.ofNullable(entry != null ? entry : terminal.get(id));
  }

  @Override
  public synchronized List<DeferredEntry> entries() {
    List<DeferredEntry> all = new ArrayList<>(queued.size() + terminal.size());
    all.addAll(queued.values());
    all.addAll(terminal.values());
    all.sort(Comparator.comparingLong(e -> e.request().deferredAtEpochMillis()));
    return all;
  }

  @Override
  public synchronized int queued() {
    return queued.size();
  }

  public int capacity() {
    return capacity;
  }

  private DeferredEntry queuedEntry(String id, String mark) {
    Objects.requireNonNull(id, "deferred id must not be null");
    DeferredEntry entry = queued.get(id);
    if (entry == null) {
      DeferredEntry done = terminal.get(id);
      throw done != null
          ? new IllegalStateException("deferred " + id + " cannot be marked " + mark + ": it is already " + done.state())
          : new IllegalArgumentException("no queued deferred request with id " + id);
    }
    return entry;
  }

  private DeferredEntry takeQueued(String id, String mark) {
    DeferredEntry entry = queuedEntry(id, mark);
    queued.remove(id);
    return entry;
  }

  private void moveToTerminal(DeferredEntry entry) {
    terminal.put(entry.id(), entry);
    Iterator<String> oldest = terminal.keySet().iterator();
    while (terminal.size() > terminalRetention && oldest.hasNext()) {
      oldest.next();
      oldest.remove();
    }
  }
}
