package dev.sheepdog.spi;

import java.util.List;
import java.util.Set;

/**
 * Where the spend ledger keeps its counters so that they outlive the process: the {@link SpendRow}s
 * of every day, per model, route and tag (the gateway's client-key hashes are tags), in exact
 * nano-dollars. Daily budget caps are checked against the day's {@code TOTAL} and {@code TAG}
 * counters, so keeping these keeps the budgets: a cap reached before a restart still holds after it.
 *
 * <p>The ledger reads every row once when it is built and then calls {@link #add} once per priced
 * answer, on the thread that settles the request. {@code add} must therefore not do I/O on the
 * caller's thread: a file store buffers and writes in group commits, and documents how much a crash
 * can lose. Every counter is a sum that only grows, so a store may apply adds in any order and
 * merge them; a shared store (a server several gateways use) adds atomically on the server, where
 * a day's counter is also what the other instances' checks read.
 */
public interface SpendStore {
  /** A store that keeps nothing: spend lives and dies with the process. */
  SpendStore NONE = new SpendStore() {
    @Override
    public List<SpendRow> load() {
      return List.of();
    }

    @Override
    public void add(long epochDay, ModelId model, TaskType task, Priority priority, Set<String> tags, long nanos) {}
  };

  /** Every counter kept, for the ledger to start from. */
  List<SpendRow> load();

  /**
   * Adds one priced answer to the day's counters: the total, its model, its route and each tag.
   * Never blocks on I/O and never throws for a failing store (a store that cannot write keeps the
   * spend and retries, and says so through its health).
   */
  void add(long epochDay, ModelId model, TaskType task, Priority priority, Set<String> tags, long nanos);

  /**
   * Marks {@code nanos} of {@code model}'s spend, added already, as priced from an estimate: the
   * day's {@link SpendRow.Kind#ESTIMATED} counter of the model. Same rules as {@link #add}. A store
   * that does not keep the mark loses only the mark, never spend.
   */
  default void addEstimated(long epochDay, ModelId model, long nanos) {}

  /**
   * Asks a store that writes spend behind the requests (merged, every few milliseconds) to send
   * what it holds now: a daily cap is near, and other instances reading the shared counters must
   * see this instance's answers before its caller does. A shared store may wait for the write to
   * be acknowledged, for at most its hot-path timeout (a few milliseconds), and never longer; it
   * never throws for a failing store. Stores that write everything at once (or share nothing) need
   * not do anything.
   */
  default void writeNow() {}

  /**
   * Checks the arguments of {@link #add} as every store must: all present, {@code nanos} not
   * negative.
   */
  static void checkAdd(ModelId model, TaskType task, Priority priority, Set<String> tags, long nanos) {
    java.util.Objects.requireNonNull(model, "model must not be null");
    java.util.Objects.requireNonNull(task, "task must not be null");
    java.util.Objects.requireNonNull(priority, "priority must not be null");
    java.util.Objects.requireNonNull(tags, "tags must not be null");
    if (nanos < 0) {
      throw new IllegalArgumentException("nanos must not be negative, was " + nanos);
    }
  }

  /** The route key of a task and priority, as rows name it. */
  static String routeKey(TaskType task, Priority priority) {
    return task.name() + ":" + priority.wireName();
  }
}
