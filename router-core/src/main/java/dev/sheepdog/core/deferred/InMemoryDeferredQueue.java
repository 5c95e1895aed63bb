package dev.sheepdog.core.deferred;

import dev.sheepdog.spi.DeferredAnswer;
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
 * <p>At most {@code capacity} entries are {@code QUEUED} or {@code REPLAYING}; when full, {@link #offer} returns {@code
 * false} and the caller tells its client. Delivered and dead-lettered entries stay findable by id,
 * up to {@code terminalRetention} of them, delivered ones with their answer; beyond that the oldest
 * terminal one is forgotten. An
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
    queued.put(request.id(), DeferredEntry.queued(request));
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
      if (entry.dueAt(nowEpochMillis)) {
        due.add(entry);
      }
    }
    return due;
  }

  @Override
  public synchronized Optional<DeferredEntry> claim(String id, long nowEpochMillis, long leaseUntilEpochMillis) {
    Objects.requireNonNull(id, "deferred id must not be null");
    DeferredEntry entry = queued.get(id);
    if (entry == null || !entry.claimableAt(nowEpochMillis)) {
      return Optional.empty();
    }
    DeferredEntry claimed = entry.claimed(leaseUntilEpochMillis);
    queued.put(id, claimed);
    return Optional.of(claimed);
  }

  @Override
  public synchronized boolean markDelivered(String id, long claim, DeferredAnswer answer) {
    Objects.requireNonNull(answer, "answer must not be null");
    DeferredEntry entry = held(id, claim);
    if (entry == null) {
      return false;
    }
    queued.remove(id);
    moveToTerminal(entry.deliveredWith(answer));
    return true;
  }

  @Override
  public synchronized boolean markFailed(String id, long claim, String reason, long nextAttemptAtEpochMillis) {
    return requeue(id, claim, reason, nextAttemptAtEpochMillis, true);
  }

  @Override
  public synchronized boolean release(String id, long claim, String reason, long nextAttemptAtEpochMillis) {
    return requeue(id, claim, reason, nextAttemptAtEpochMillis, false);
  }

  @Override
  public synchronized boolean markDeadLettered(String id, long claim, String reason) {
    DeferredEntry entry = held(id, claim);
    if (entry == null) {
      return false;
    }
    queued.remove(id);
    moveToTerminal(entry.deadLettered(reason));
    return true;
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

  private boolean requeue(String id, long claim, String reason, long nextAttemptAtEpochMillis, boolean counted) {
    DeferredEntry entry = held(id, claim);
    if (entry == null) {
      return false;
    }
    queued.put(id, entry.requeued(reason, nextAttemptAtEpochMillis, counted));
    return true;
  }

  /** The entry if it is being replayed under {@code claim}, else null. */
  private DeferredEntry held(String id, long claim) {
    Objects.requireNonNull(id, "deferred id must not be null");
    DeferredEntry entry = queued.get(id);
    return entry != null && entry.state() == DeferredState.REPLAYING && entry.claim() == claim ? entry : null;
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
