package dev.sheepdog.core.cost;

import dev.sheepdog.spi.AlertType;
import dev.sheepdog.spi.Money;
import dev.sheepdog.spi.ModelId;
import dev.sheepdog.spi.ModelSpec;
import dev.sheepdog.spi.Price;
import dev.sheepdog.spi.RouteHints;
import dev.sheepdog.spi.RouterEvent;
import dev.sheepdog.spi.RouterListener;
import dev.sheepdog.spi.Ticker;
import dev.sheepdog.spi.Usage;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Applies spend limits: the request's own {@code maxCost} and the daily {@link BudgetCap}s. The
 * router asks {@link #check} before trying a model and calls {@link #record} after each priced
 * attempt.
 *
 * <p><b>Alerts.</b> When a cap's spend for the day reaches 80 % of its limit, a {@link
 * AlertType#BUDGET_80_PERCENT} alert is sent; at 100 %, {@link AlertType#BUDGET_EXHAUSTED}. Each
 * fires at most once per cap and day, however many requests cross the line, and resolves (an alert
 * with {@code resolved == true}) on the first check or record of a later day. The subject is the
 * cap's name.
 *
 * <p><b>Concurrency.</b> Spend lives in the thread-safe {@link SpendLedger}. Each alert of each
 * cap is an {@link AtomicLong} holding the UTC day it last fired on; the thread whose CAS moves it
 * to today sends the alert, so racing threads never send it twice. Caps are checked against the
 * spend recorded so far: requests already in flight when a cap is reached still finish and are
 * recorded, so a day's spend may end slightly above a cap.
 */
public final class BudgetGuard {
  private static final long NOT_FIRED = Long.MIN_VALUE;

  private final SpendLedger ledger;
  private final List<CapState> caps;
  private final RouterListener listener;
  private final Ticker ticker;

  public BudgetGuard(SpendLedger ledger, Collection<BudgetCap> caps, RouterListener listener, Ticker ticker) {
    this.ledger = Objects.requireNonNull(ledger, "ledger must not be null");
    this.listener = Objects.requireNonNull(listener, "listener must not be null");
    this.ticker = Objects.requireNonNull(ticker, "ticker must not be null");
    Objects.requireNonNull(caps, "budget caps must not be null");
    Set<String> names = new HashSet<>();
    List<CapState> states = new ArrayList<>();
    for (BudgetCap cap : caps) {
      Objects.requireNonNull(cap, "budget caps must not contain null");
      if (!names.add(cap.name())) {
        throw new IllegalArgumentException("budget cap " + cap.name() + " is defined twice");
      }
      states.add(new CapState(cap));
    }
    this.caps = List.copyOf(states);
  }

  /** The cost the router expects before a call: every prompt token and the whole output cap. */
  public static Money estimateCost(Price price, long estimatedPromptTokens, long maxOutputTokens) {
    return price.cost(estimatedPromptTokens, maxOutputTokens);
  }

  public static Money estimateCost(ModelSpec spec, long estimatedPromptTokens, long maxOutputTokens) {
    return estimateCost(spec.price(), estimatedPromptTokens, maxOutputTokens);
  }

  public SpendLedger ledger() {
    return ledger;
  }

  /**
   * Whether {@code spec} may be tried for a request with these hints and this estimated cost. A
   * rejecting cap that is reached wins over everything; then the request's maximum; then the
   * price ceiling of restricting caps that are reached.
   */
  public BudgetDecision check(ModelSpec spec, Money estimatedCost, RouteHints hints) {
    Objects.requireNonNull(estimatedCost, "estimated cost must not be null");
    return check(spec, estimatedCost, 0, 0, hints);
  }

  /**
   * {@link #check(ModelSpec, Money, RouteHints)} with the cost {@linkplain #estimateCost(ModelSpec,
   * long, long) estimated} from the tokens only when the request has a maximum to compare it with;
   * what the router calls for every planned model.
   */
  public BudgetDecision check(ModelSpec spec, long estimatedPromptTokens, long maxOutputTokens, RouteHints hints) {
    return check(spec, null, estimatedPromptTokens, maxOutputTokens, hints);
  }

  /**
   * The day's counters a check for {@code hints} reads, as a shared spend store names them: {@code
   * ""} for the total when a global cap exists, and the tag of each tag cap that applies. Empty
   * (and not allocated) when no cap applies.
   */
  public List<String> counterKeys(RouteHints hints) {
    List<String> keys = null;
    for (int i = 0; i < caps.size(); i++) {
      BudgetCap cap = caps.get(i).cap;
      if (!applies(cap, hints.tags())) {
        continue;
      }
      String key = cap.isGlobal() ? "" : cap.tag();
      if (keys == null) {
        keys = new ArrayList<>(2);
      }
      if (!keys.contains(key)) {
        keys.add(key);
      }
    }
    return keys == null ? List.of() : keys;
  }

  /**
   * {@link #check(ModelSpec, long, long, RouteHints)} against the fleet's spend: {@code spent[i]}
   * is what the whole fleet spent today on counter {@code keys.get(i)} (from {@link
   * #counterKeys}). What this instance spends since is added when it is recorded, and the fleet's
   * figures also feed this instance's budget alerts.
   */
  public BudgetDecision check(ModelSpec spec, long estimatedPromptTokens, long maxOutputTokens, RouteHints hints,
      List<String> keys, long[] spent) {
    Objects.requireNonNull(keys, "keys must not be null");
    Objects.requireNonNull(spent, "spent must not be null");
    if (keys.size() != spent.length) {
      throw new IllegalArgumentException("one spent figure per key, were " + keys.size() + " and " + spent.length);
    }
    for (int i = 0; i < caps.size(); i++) {
      CapState state = caps.get(i);
      int index = keys.indexOf(state.cap.isGlobal() ? "" : state.cap.tag());
      if (index >= 0) {
        state.fleetSpent.set(SpendLedger.epochDay(ticker.epochMillis()), spent[index]);
      }
    }
    return check(spec, null, estimatedPromptTokens, maxOutputTokens, hints, keys, spent);
  }

  /**
   * Whether a daily cap applies to a request with these hints: what fails a request closed when
   * the fleet's spend cannot be read and budgets are configured to reject then.
   */
  public boolean anyCapApplies(RouteHints hints) {
    for (int i = 0; i < caps.size(); i++) {
      if (applies(caps.get(i).cap, hints.tags())) {
        return true;
      }
    }
    return false;
  }

  private BudgetDecision check(ModelSpec spec, Money givenCost, long promptTokens, long outputTokens,
      RouteHints hints) {
    return check(spec, givenCost, promptTokens, outputTokens, hints, null, null);
  }

  private BudgetDecision check(ModelSpec spec, Money givenCost, long promptTokens, long outputTokens,
      RouteHints hints, List<String> keys, long[] fleetSpent) {
    long day = today();
    resolveEarlierDays(day);
    long ceiling = Long.MAX_VALUE;
    for (int i = 0; i < caps.size(); i++) {
      CapState state = caps.get(i);
      BudgetCap cap = state.cap;
      if (!applies(cap, hints.tags())) {
        continue;
      }
      long spent = keys == null ? spentToday(state, day)
          : fleetSpent[keys.indexOf(cap.isGlobal() ? "" : cap.tag())];
      if (spent < cap.dailyLimit().nanos()) {
        continue;
      }
      if (cap.action() == BudgetCap.Action.REJECT) {
        return BudgetDecision.REJECT;
      }
      ceiling = Math.min(ceiling, cap.maxOutputNanosPerToken());
    }
    if (hints.maxCost() != null) {
      Money estimatedCost = givenCost != null ? givenCost : estimateCost(spec, promptTokens, outputTokens);
      if (estimatedCost.isGreaterThan(hints.maxCost())) {
        return BudgetDecision.SKIP_OVER_REQUEST_MAX;
      }
    }
    if (spec.price().outputNanosPerToken() > ceiling) {
      return BudgetDecision.SKIP_OVER_PRICE_CEILING;
    }
    return BudgetDecision.ALLOW;
  }

  /** Records an answered attempt at the model's price and returns its exact cost. */
  public Money record(ModelSpec spec, Usage usage, RouteHints hints) {
    Money cost = spec.price().cost(usage);
    record(spec.id(), cost, hints);
    return cost;
  }

  /** Records a cost already worked out, and sends the budget alerts it causes. */
  public void record(ModelId model, Money cost, RouteHints hints) {
    long now = ticker.epochMillis();
    Objects.requireNonNull(model, "model must not be null");
    if (cost.nanos() < 0) {
      throw new IllegalArgumentException("cost must not be negative, was " + cost);
    }
    // hints' tags are immutable already: no Spend (and no copy of them) per request
    ledger.record(model, hints.task(), hints.priority(), hints.tags(), cost.nanos(), now);
    long day = SpendLedger.epochDay(now);
    resolveEarlierDays(day);
    boolean capNear = false;
    for (int i = 0; i < caps.size(); i++) {
      CapState state = caps.get(i);
      if (!applies(state.cap, hints.tags())) {
        continue;
      }
      long spent = spentToday(state, day);
      // near a cap (80 %, counting this instance's spend on top of the fleet's latest figure, which
      // may hold some of it already: erring early), the answer is written to the shared counters at
      // once rather than behind the requests, so that the other instances stop in time
      capNear |= spentToday(state.cap, day) + state.fleetSpent.get(day) >= state.eightyPercentNanos;
      if (spent >= state.eightyPercentNanos) {
        fireOnce(state.fired80, day, AlertType.BUDGET_80_PERCENT, state.cap, spent, now);
      }
      if (spent >= state.cap.dailyLimit().nanos()) {
        fireOnce(state.firedExhausted, day, AlertType.BUDGET_EXHAUSTED, state.cap, spent, now);
      }
    }
    if (capNear) {
      ledger.writeNow();
    }
  }

  /** What a cap's scope has spent today. */
  public Money spentToday(BudgetCap cap) {
    return Money.ofNanos(spentToday(cap, today()));
  }

  private long spentToday(BudgetCap cap, long day) {
    return cap.isGlobal() ? ledger.nanosSpentOnEpochDay(day) : ledger.nanosSpentOnEpochDay(day, cap.tag());
  }

  /** This instance's count, or the fleet's latest figure for today when that is higher. */
  private long spentToday(CapState state, long day) {
    return Math.max(spentToday(state.cap, day), state.fleetSpent.get(day));
  }

  private static boolean applies(BudgetCap cap, Set<String> tags) {
    return cap.isGlobal() || tags.contains(cap.tag());
  }

  private long today() {
    return SpendLedger.epochDay(ticker.epochMillis());
  }

  private void fireOnce(AtomicLong firedOn, long day, AlertType type, BudgetCap cap, long spentNanos, long now) {
    while (true) {
      long previous = firedOn.get();
      if (previous >= day) {
        return;
      }
      if (firedOn.compareAndSet(previous, day)) {
        if (previous != NOT_FIRED) {
          emit(new RouterEvent.Alert(type, cap.name(), true, "a new day started", now));
        }
        String message = "budget " + cap.name() + " spent " + Money.ofNanos(spentNanos) + " of " + cap.dailyLimit()
            + " today" + (type == AlertType.BUDGET_EXHAUSTED ? exhaustedAction(cap) : "");
        emit(new RouterEvent.Alert(type, cap.name(), false, message, now));
        return;
      }
    }
  }

  private static String exhaustedAction(BudgetCap cap) {
    return cap.action() == BudgetCap.Action.REJECT
        ? "; requests are rejected until the day ends"
        : "; only models at or under $" + BigDecimal.valueOf(cap.maxOutputNanosPerToken(), 3).stripTrailingZeros()
            .toPlainString() + " per 1M output tokens are tried until the day ends";
  }

  private void resolveEarlierDays(long day) {
    for (int i = 0; i < caps.size(); i++) {
      CapState state = caps.get(i);
      resolveIfEarlier(state.fired80, day, AlertType.BUDGET_80_PERCENT, state.cap);
      resolveIfEarlier(state.firedExhausted, day, AlertType.BUDGET_EXHAUSTED, state.cap);
    }
  }

  private void resolveIfEarlier(AtomicLong firedOn, long day, AlertType type, BudgetCap cap) {
    long previous = firedOn.get();
    if (previous != NOT_FIRED && previous < day && firedOn.compareAndSet(previous, NOT_FIRED)) {
      emit(new RouterEvent.Alert(type, cap.name(), true, "a new day started", ticker.epochMillis()));
    }
  }

  private void emit(RouterEvent event) {
    try {
      listener.onEvent(event);
    } catch (RuntimeException e) {
      // A listener must not throw; if one does, budgets keep working and the event is dropped.
    }
  }

  /** A day's figure read from the fleet; 0 for any other day. Racing writers keep the highest. */
  private static final class FleetFigure {
    private volatile long day = Long.MIN_VALUE;
    private final AtomicLong nanos = new AtomicLong();

    void set(long day, long value) {
      if (this.day != day) {
        synchronized (this) {
          if (this.day != day) {
            nanos.set(value);
            this.day = day;
            return;
          }
        }
      }
      nanos.accumulateAndGet(value, Math::max);
    }

    long get(long day) {
      return this.day == day ? nanos.get() : 0;
    }
  }

  /** A cap with its precomputed 80 % line and the days its alerts last fired on. */
  private static final class CapState {
    final BudgetCap cap;
    final long eightyPercentNanos;
    final AtomicLong fired80 = new AtomicLong(NOT_FIRED);
    final AtomicLong firedExhausted = new AtomicLong(NOT_FIRED);
    /** The fleet's spend on this cap as the latest shared check read it. */
    final FleetFigure fleetSpent = new FleetFigure();

    CapState(BudgetCap cap) {
      this.cap = cap;
      // ceil(limit * 4 / 5) without overflow for any limit
      BigInteger[] qr = BigInteger.valueOf(cap.dailyLimit().nanos()).multiply(BigInteger.valueOf(4))
          .divideAndRemainder(BigInteger.valueOf(5));
      this.eightyPercentNanos = qr[0].longValueExact() + (qr[1].signum() > 0 ? 1 : 0);
    }
  }
}
