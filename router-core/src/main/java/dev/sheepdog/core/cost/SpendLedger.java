package dev.sheepdog.core.cost;

import dev.sheepdog.spi.Money;
import dev.sheepdog.spi.ModelId;
import dev.sheepdog.spi.Priority;
import dev.sheepdog.spi.SpendRow;
import dev.sheepdog.spi.SpendStore;
import dev.sheepdog.spi.TaskType;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * What has been spent, exactly to the nano-dollar: in total, per model, per route (task and
 * priority), per tag, all-time and per UTC day.
 *
 * <p><b>Concurrency.</b> Every figure is a {@link LongAdder} of nano-dollars in a {@link
 * ConcurrentHashMap}; recording adds to a handful of them without locks, so any number of threads
 * record at once and nothing is lost. Each figure is exact once writers are quiet; a snapshot taken
 * while they write may see one spend in the total and not yet in its model.
 *
 * <p><b>Days.</b> Days are UTC, taken from the spend's own timestamp. The newest {@code
 * retainedDays} days are kept (at least today and yesterday); when a newer day starts, the oldest
 * is dropped, so memory is bounded by days times distinct models, routes and tags. A spend dated
 * before the retained days counts in the all-time figures only.
 *
 * <p>The days live in a ring of {@code retainedDays} slots indexed by the epoch day, each slot an
 * immutable pairing of a day and its figures swapped in by CAS when a newer day claims it, so the
 * per-request lookups of a day's spend (every budget check makes one) neither box a key nor lock.
 *
 * <p><b>Durability.</b> A ledger built on a {@link SpendStore} starts from the counters the store
 * kept (all-time from every row, the retained days from theirs) and hands each recorded spend to
 * the store, which must not block: a file store writes in group commits off the caller's thread.
 * A store that throws is ignored for that spend (a store reports its own failures), so recording
 * never fails a request that was answered.
 */
public final class SpendLedger {
  static final long MILLIS_PER_DAY = TimeUnit.DAYS.toMillis(1);

  private final int retainedDays;
  private final Totals allTime = new Totals();
  /** What answers served from a cache would have cost, by model. */
  private final Map<ModelId, LongAdder> savedByModel = new java.util.concurrent.ConcurrentHashMap<>();
  /** Slot {@code floorMod(day, retainedDays)} holds that day's figures, or an older day's, or null. */
  private final AtomicReferenceArray<Day> days;
  private final AtomicLong newestDay = new AtomicLong(Long.MIN_VALUE);
  private static final Priority[] PRIORITIES = Priority.values();
  private final Map<TaskType, Route[]> routes = new ConcurrentHashMap<>();

  private final SpendStore store;

  public SpendLedger(int retainedDays) {
    this(retainedDays, SpendStore.NONE);
  }

  /** A ledger keeping {@code retainedDays} days in memory, starting from and writing to {@code store}. */
  public SpendLedger(int retainedDays, SpendStore store) {
    if (retainedDays < 2) {
      throw new IllegalArgumentException("retained days must be at least 2 (today and yesterday), was " + retainedDays);
    }
    this.retainedDays = retainedDays;
    this.days = new AtomicReferenceArray<>(retainedDays);
    this.store = Objects.requireNonNull(store, "spend store must not be null");
    load(store.load());
  }

  /** A ledger keeping the last seven days, starting from and writing to {@code store}. */
  public SpendLedger(SpendStore store) {
    this(7, store);
  }

  private void load(List<SpendRow> rows) {
    long newest = Long.MIN_VALUE;
    for (SpendRow row : rows) {
      newest = Math.max(newest, row.epochDay());
    }
    newestDay.set(newest);
    for (SpendRow row : rows) {
      allTime.addRow(row, this);
      if (row.epochDay() > newest - retainedDays) {
        Totals totals = claim(row.epochDay());
        if (totals != null) {
          totals.addRow(row, this);
        }
      }
    }
  }

  /** A ledger keeping the last seven days. */
  public SpendLedger() {
    this(7);
  }

  public void record(Spend spend) {
    Objects.requireNonNull(spend, "spend must not be null");
    record(spend.model(), spend.task(), spend.priority(), spend.tags(), spend.cost().nanos(), spend.atEpochMillis());
  }

  /** Asks the store to write what it holds back now ({@link SpendStore#writeNow}): a cap is near. */
  void writeNow() {
    try {
      store.writeNow();
    } catch (RuntimeException e) {
      // the store says so through its health
    }
  }

  /**
   * Marks {@code nanos} of {@code model}'s spend, recorded already, as priced from an estimate (the
   * provider reported no usage): kept per model and day, in the store too ({@link
   * SpendRow.Kind#ESTIMATED}).
   */
  public void recordEstimated(ModelId model, long nanos, long atEpochMillis) {
    Objects.requireNonNull(model, "model must not be null");
    if (nanos < 0) {
      throw new IllegalArgumentException("nanos must not be negative, was " + nanos);
    }
    Totals.adder(allTime.estimatedByModel, model).add(nanos);
    long day = epochDay(atEpochMillis);
    try {
      store.addEstimated(day, model, nanos);
    } catch (RuntimeException e) {
      // the store says so through its health
    }
    Totals totals = retained(day);
    if (totals != null) {
      Totals.adder(totals.estimatedByModel, model).add(nanos);
    }
  }

  /**
   * Records an answer served from a response cache: it cost nothing, and saved what it cost when it
   * was fetched ({@code saved}). Kept per model in memory: {@link #saved()}, {@link #saved(ModelId)}.
   */
  public void recordSaved(ModelId model, Money saved) {
    Objects.requireNonNull(model, "model must not be null");
    if (saved.compareTo(Money.ZERO) < 0) {
      throw new IllegalArgumentException("saved must not be negative, was " + saved);
    }
    Totals.adder(savedByModel, model).add(saved.nanos());
  }

  /** What answers served from a cache would have cost, since the start. */
  public Money saved() {
    long sum = 0;
    for (LongAdder adder : savedByModel.values()) {
      sum += adder.sum();
    }
    return Money.ofNanos(sum);
  }

  /** What {@code model}'s answers served from a cache would have cost, since the start. */
  public Money saved(ModelId model) {
    LongAdder adder = savedByModel.get(model);
    return Money.ofNanos(adder == null ? 0 : adder.sum());
  }

  /** Of all spend, what was priced from estimates because providers reported no usage. */
  public Money estimated() {
    long sum = 0;
    for (LongAdder adder : allTime.estimatedByModel.values()) {
      sum += adder.sum();
    }
    return Money.ofNanos(sum);
  }

  /** Of {@code model}'s spend, what was priced from estimates. */
  public Money estimated(ModelId model) {
    LongAdder adder = allTime.estimatedByModel.get(model);
    return Money.ofNanos(adder == null ? 0 : adder.sum());
  }

  /**
   * {@link #record(Spend)} without the {@code Spend}: what the router's budget guard calls once per
   * answered request. {@code tags} must be immutable and {@code nanos} not negative.
   */
  void record(ModelId model, TaskType task, Priority priority, Set<String> tags, long nanos, long atEpochMillis) {
    Route route = route(task, priority);
    allTime.add(model, route, tags, nanos);
    long day = epochDay(atEpochMillis);
    try {
      store.add(day, model, task, priority, tags, nanos);
    } catch (RuntimeException e) {
      // the store says so through its health; the answer the spend belongs to was given already
    }
    Totals totals = retained(day);
    if (totals != null) {
      totals.add(model, route, tags, nanos);
    }
  }

  /** The figures of {@code day} for recording into, the newest day moved on; null if not retained. */
  private Totals retained(long day) {
    long newest = newestDay.accumulateAndGet(day, Math::max);
    return day < newest - retainedDays + 1 ? null : claim(day);
  }

  /** The one {@link Route} of a task and priority, so recording a spend does not make a new key. */
  private Route route(TaskType task, Priority priority) {
    Route[] byPriority = routes.get(task);
    if (byPriority == null) {
      byPriority = routes.computeIfAbsent(task, t -> new Route[PRIORITIES.length]);
    }
    Route route = byPriority[priority.ordinal()];
    if (route == null) {
      // racing threads may each make one; equal routes are the same map key
      route = new Route(task, priority);
      byPriority[priority.ordinal()] = route;
    }
    return route;
  }

  /** The route of a row's {@code task:priority} key, or null. */
  private Route parseRoute(String key) {
    int colon = key.lastIndexOf(':');
    if (colon <= 0) {
      return null;
    }
    try {
      TaskType task = TaskType.of(key.substring(0, colon));
      return Priority.parse(key.substring(colon + 1)).map(priority -> route(task, priority)).orElse(null);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /** The figures of {@code day}, taking its slot from an older day; null if a newer day holds it. */
  private Totals claim(long day) {
    int slot = (int) Math.floorMod(day, (long) retainedDays);
    while (true) {
      Day current = days.get(slot);
      if (current != null && current.epochDay == day) {
        return current.totals;
      }
      if (current != null && current.epochDay > day) {
        // the slot went to a newer day meanwhile: this day is no longer retained
        return null;
      }
      Day fresh = new Day(day);
      if (days.compareAndSet(slot, current, fresh)) {
        return fresh.totals;
      }
    }
  }

  /** The retained figures of {@code epochDay}, or null. */
  private Totals totalsOn(long epochDay) {
    long newest = newestDay.get();
    if (epochDay > newest || epochDay <= newest - retainedDays) {
      return null;
    }
    Day day = days.get((int) Math.floorMod(epochDay, (long) retainedDays));
    return day != null && day.epochDay == epochDay ? day.totals : null;
  }

  public Money total() {
    return Money.ofNanos(allTime.total.sum());
  }

  public Money total(ModelId model) {
    return sum(allTime.byModel.get(model));
  }

  public Money total(Route route) {
    return sum(allTime.byRoute.get(route));
  }

  public Money totalForTag(String tag) {
    return sum(allTime.byTag.get(tag));
  }

  /** Everything spent on a UTC day, zero if none or no longer retained. */
  public Money spentOn(LocalDate day) {
    return spentOnEpochDay(day.toEpochDay());
  }

  /** What requests with {@code tag} spent on a UTC day. */
  public Money spentOn(LocalDate day, String tag) {
    return spentOnEpochDay(day.toEpochDay(), tag);
  }

  Money spentOnEpochDay(long epochDay) {
    return Money.ofNanos(nanosSpentOnEpochDay(epochDay));
  }

  Money spentOnEpochDay(long epochDay, String tag) {
    return Money.ofNanos(nanosSpentOnEpochDay(epochDay, tag));
  }

  /** Nano-dollars spent on a UTC day; what budget checks read, without a {@link Money} per read. */
  long nanosSpentOnEpochDay(long epochDay) {
    Totals totals = totalsOn(epochDay);
    return totals == null ? 0 : totals.total.sum();
  }

  long nanosSpentOnEpochDay(long epochDay, String tag) {
    Totals totals = totalsOn(epochDay);
    LongAdder adder = totals == null ? null : totals.byTag.get(tag);
    return adder == null ? 0 : adder.sum();
  }

  public SpendSnapshot snapshot() {
    List<DailySpend> daily = new ArrayList<>();
    List<Day> retained = new ArrayList<>();
    for (int i = 0; i < retainedDays; i++) {
      Day day = days.get(i);
      if (day != null && totalsOn(day.epochDay) == day.totals) {
        retained.add(day);
      }
    }
    retained.sort(Comparator.comparingLong((Day day) -> day.epochDay).reversed());
    for (Day day : retained) {
      Totals t = day.totals;
      daily.add(new DailySpend(
          LocalDate.ofEpochDay(day.epochDay), Money.ofNanos(t.total.sum()), copy(t.byModel), copy(t.byRoute),
          copy(t.byTag)));
    }
    return new SpendSnapshot(total(), copy(allTime.byModel), copy(allTime.byRoute), copy(allTime.byTag), daily);
  }

  /** The UTC day (days since 1970-01-01) an instant falls on, as spend counters are keyed. */
  public static long epochDay(long epochMillis) {
    return Math.floorDiv(epochMillis, MILLIS_PER_DAY);
  }

  private static Money sum(LongAdder adder) {
    return adder == null ? Money.ZERO : Money.ofNanos(adder.sum());
  }

  private static <K> Map<K, Money> copy(Map<K, LongAdder> adders) {
    Map<K, Money> copy = new HashMap<>();
    adders.forEach((k, v) -> copy.put(k, Money.ofNanos(v.sum())));
    return copy;
  }

  /** One day's figures, in its slot of the ring. */
  private static final class Day {
    final long epochDay;
    final Totals totals = new Totals();

    Day(long epochDay) {
      this.epochDay = epochDay;
    }
  }

  /** One set of figures: all-time, or one day. */
  private static final class Totals {
    final LongAdder total = new LongAdder();
    final Map<ModelId, LongAdder> byModel = new ConcurrentHashMap<>();
    final Map<Route, LongAdder> byRoute = new ConcurrentHashMap<>();
    final Map<String, LongAdder> byTag = new ConcurrentHashMap<>();
    /** Of {@link #byModel}, what was priced from estimates. */
    final Map<ModelId, LongAdder> estimatedByModel = new ConcurrentHashMap<>();

    void add(ModelId model, Route route, Set<String> tags, long nanos) {
      total.add(nanos);
      adder(byModel, model).add(nanos);
      adder(byRoute, route).add(nanos);
      if (!tags.isEmpty()) {
        for (String tag : tags) {
          adder(byTag, tag).add(nanos);
        }
      }
    }

    /** Adds a stored counter to its figure; a route row whose key cannot be read counts in no route. */
    void addRow(SpendRow row, SpendLedger ledger) {
      switch (row.kind()) {
        case TOTAL -> total.add(row.nanos());
        case MODEL -> adder(byModel, ModelId.of(row.key())).add(row.nanos());
        case TAG -> adder(byTag, row.key()).add(row.nanos());
        case ESTIMATED -> adder(estimatedByModel, ModelId.of(row.key())).add(row.nanos());
        case ROUTE -> {
          Route route = ledger.parseRoute(row.key());
          if (route != null) {
            adder(byRoute, route).add(row.nanos());
          }
        }
      }
    }

    private static <K> LongAdder adder(Map<K, LongAdder> adders, K key) {
      LongAdder adder = adders.get(key);
      return adder != null ? adder : adders.computeIfAbsent(key, k -> new LongAdder());
    }
  }
}
