package dev.sheepdog.core.cost;

import dev.sheepdog.spi.Money;
import dev.sheepdog.spi.ModelId;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
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
 */
public final class SpendLedger {
  static final long MILLIS_PER_DAY = TimeUnit.DAYS.toMillis(1);

  private final int retainedDays;
  private final Totals allTime = new Totals();
  private final Map<Long, Totals> days = new ConcurrentHashMap<>();
  private final AtomicLong newestDay = new AtomicLong(Long.MIN_VALUE);

  public SpendLedger(int retainedDays) {
    if (retainedDays < 2) {
      throw new IllegalArgumentException("retained days must be at least 2 (today and yesterday), was " + retainedDays);
    }
    this.retainedDays = retainedDays;
  }

  /** A ledger keeping the last seven days. */
  public SpendLedger() {
    this(7);
  }

  public void record(Spend spend) {
    Objects.requireNonNull(spend, "spend must not be null");
    long nanos = spend.cost().nanos();
    Route route = spend.route();
    allTime.add(spend, route, nanos);
    long day = epochDay(spend.atEpochMillis());
    long newest = newestDay.accumulateAndGet(day, Math::max);
    long oldestKept = newest - retainedDays + 1;
    if (day < oldestKept) {
      return;
    }
    Totals totals = days.get(day);
    if (totals == null) {
      totals = days.computeIfAbsent(day, d -> new Totals());
      days.keySet().removeIf(d -> d < oldestKept);
    }
    totals.add(spend, route, nanos);
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
    Totals totals = days.get(epochDay);
    return totals == null ? Money.ZERO : Money.ofNanos(totals.total.sum());
  }

  Money spentOnEpochDay(long epochDay, String tag) {
    Totals totals = days.get(epochDay);
    return totals == null ? Money.ZERO : sum(totals.byTag.get(tag));
  }

  public SpendSnapshot snapshot() {
    List<DailySpend> daily = new ArrayList<>();
    days.entrySet().stream()
        .sorted(Map.Entry.<Long, Totals>comparingByKey(Comparator.reverseOrder()))
        .forEach(e -> {
          Totals t = e.getValue();
          daily.add(new DailySpend(
              LocalDate.ofEpochDay(e.getKey()), Money.ofNanos(t.total.sum()), copy(t.byModel), copy(t.byRoute),
              copy(t.byTag)));
        });
    return new SpendSnapshot(total(), copy(allTime.byModel), copy(allTime.byRoute), copy(allTime.byTag), daily);
  }

  static long epochDay(long epochMillis) {
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

  /** One set of figures: all-time, or one day. */
  private static final class Totals {
    final LongAdder total = new LongAdder();
    final Map<ModelId, LongAdder> byModel = new ConcurrentHashMap<>();
    final Map<Route, LongAdder> byRoute = new ConcurrentHashMap<>();
    final Map<String, LongAdder> byTag = new ConcurrentHashMap<>();

    void add(Spend spend, Route route, long nanos) {
      total.add(nanos);
      byModel.computeIfAbsent(spend.model(), k -> new LongAdder()).add(nanos);
      byRoute.computeIfAbsent(route, k -> new LongAdder()).add(nanos);
      for (String tag : spend.tags()) {
        byTag.computeIfAbsent(tag, k -> new LongAdder()).add(nanos);
      }
    }
  }
}
