package dev.sheepdog.core;

import dev.sheepdog.spi.CircuitState;
import dev.sheepdog.spi.ModelId;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One model's circuit breaker: CLOSED → OPEN → HALF_OPEN → CLOSED or OPEN again.
 *
 * <h2>Concurrency</h2>
 *
 * The state is an {@link AtomicReference} to a state object; a transition replaces the object by
 * CAS, so exactly one thread wins each transition and only the winner reports it. Per-call
 * bookkeeping lives in atomics inside the current state object (the closed state's failure
 * counters, the half-open state's probe permits), so recording an outcome allocates nothing.
 *
 * <p>{@link #tryAcquire} hands out the state object the call was admitted under, as its permit.
 * An outcome counts only if the breaker is still in that same state object: a slow answer to a
 * call admitted before the circuit opened cannot close it, and only calls admitted as probes can
 * decide a half-open circuit. That is what makes "exactly K probes" hold under contention.
 */
final class CircuitBreaker {
  /** Hears transitions; called after the CAS, by the winning thread only. */
  interface TransitionListener {
    void onTransition(ModelId model, CircuitState from, CircuitState to);
  }

  private final ModelId model;
  private final CircuitBreakerConfig config;
  private final TransitionListener listener;
  private final AtomicReference<State> state = new AtomicReference<>(new Closed());
  private final long windowMask;
  /** Hears this breaker's own transitions (not those adopted from the fleet), to publish them. */
  private volatile TransitionListener publisher;

  CircuitBreaker(ModelId model, CircuitBreakerConfig config, TransitionListener listener) {
    this.model = model;
    this.config = config;
    this.listener = listener;
    this.windowMask = (1L << config.slidingWindowSize()) - 1;
  }

  /** Sets who hears the transitions this breaker decides itself, to tell other instances. */
  void publishTo(TransitionListener publisher) {
    this.publisher = publisher;
  }

  /** Whether {@code permit} is a half-open circuit's probe permit. */
  boolean isProbe(Object permit) {
    return permit instanceof HalfOpen;
  }

  /**
   * Another instance opened this model's circuit until {@code untilNanos}: a closed or half-open
   * circuit opens, an open one is held at least that long. Not published back.
   */
  boolean adoptOpen(long nowNanos, long untilNanos) {
    while (true) {
      State current = state.get();
      if (untilNanos - nowNanos <= 0) {
        return false;
      }
      if (current instanceof Open open && open.untilNanos - untilNanos >= 0) {
        return false;
      }
      int opens = current instanceof Closed ? 1 : current.opens;
      if (transition(current, new Open(Math.max(1, opens), untilNanos), false)) {
        return true;
      }
    }
  }

  /** The fleet closed this model's circuit (a probe succeeded elsewhere): close it here too. */
  boolean adoptClose() {
    while (true) {
      State current = state.get();
      if (current instanceof Closed) {
        return false;
      }
      if (transition(current, new Closed(), false)) {
        return true;
      }
    }
  }

  /**
   * Asks to make a call at {@code nowNanos}. Returns the permit to pass to the outcome methods, or
   * {@code null} if the circuit does not admit a call now. Moves an open circuit whose recovery
   * time has passed to half-open.
   */
  Object tryAcquire(long nowNanos) {
    while (true) {
      State current = state.get();
      if (current instanceof Closed) {
        return current;
      }
      if (current instanceof Open open) {
        if (nowNanos - open.untilNanos < 0) {
          return null;
        }
        transition(open, new HalfOpen(open.opens, config.halfOpenProbes()));
        continue;
      }
      HalfOpen halfOpen = (HalfOpen) current;
      int permits = halfOpen.permits.get();
      if (permits <= 0) {
        return null;
      }
      if (halfOpen.permits.compareAndSet(permits, permits - 1)) {
        return halfOpen;
      }
    }
  }

  /** Whether a call would be admitted now, without taking a permit or changing state. */
  boolean wouldAdmit(long nowNanos) {
    State current = state.get();
    if (current instanceof Closed) {
      return true;
    }
    if (current instanceof Open open) {
      return nowNanos - open.untilNanos >= 0;
    }
    return ((HalfOpen) current).permits.get() > 0;
  }

  void onSuccess(Object permit) {
    State current = state.get();
    if (permit != current) {
      return;
    }
    if (current instanceof Closed closed) {
      closed.consecutive.set(0);
      closed.push(false, windowMask);
    } else if (current instanceof HalfOpen halfOpen) {
      if (halfOpen.successes.incrementAndGet() >= config.halfOpenProbes()) {
        transition(halfOpen, new Closed());
      }
    }
  }

  /** A failure that says the model is unhealthy ({@code FailureKind.countsAgainstCircuit()}). */
  void onFailure(Object permit, long nowNanos) {
    State current = state.get();
    if (permit != current) {
      return;
    }
    if (current instanceof Closed closed) {
      int consecutive = closed.consecutive.incrementAndGet();
      long window = closed.push(true, windowMask);
      if (consecutive >= config.consecutiveFailures() || rateTripped(window)) {
        transition(closed, new Open(1, nowNanos + config.recoveryNanos(1)));
      }
    } else if (current instanceof HalfOpen halfOpen) {
      int opens = halfOpen.opens + 1;
      transition(halfOpen, new Open(opens, nowNanos + config.recoveryNanos(opens)));
    }
  }

  /**
   * The call ended without saying anything about the model's health (cancelled, a bad request, a
   * 429): a probe permit it held goes back so another probe can decide.
   */
  void onNeutral(Object permit) {
    State current = state.get();
    if (permit == current && current instanceof HalfOpen halfOpen) {
      halfOpen.permits.incrementAndGet();
    }
  }

  /** Opens the circuit for at least {@code nanos}, whatever its state (an authentication failure). */
  void forceOpen(long nowNanos, long nanos) {
    while (true) {
      State current = state.get();
      long until = nowNanos + nanos;
      if (current instanceof Open open && open.untilNanos - until >= 0) {
        return;
      }
      int opens = current instanceof Closed ? 1 : current.opens + 1;
      if (transition(current, new Open(opens, until))) {
        return;
      }
    }
  }

  /**
   * Moves an open circuit to half-open before its time, so one probe may go: used when every
   * circuit of a plan is open and the router is told to probe the one that recovers first.
   */
  boolean halfOpenEarly() {
    State current = state.get();
    return current instanceof Open open && transition(open, new HalfOpen(open.opens, config.halfOpenProbes()));
  }

  CircuitState state() {
    return state.get().kind();
  }

  /** When an open circuit may half-open, in ticker nanos; meaningful only while OPEN. */
  long openUntilNanos() {
    State current = state.get();
    return current instanceof Open open ? open.untilNanos : Long.MIN_VALUE;
  }

  /** Transient failures in a row while closed. */
  int consecutiveFailures() {
    State current = state.get();
    return current instanceof Closed closed ? closed.consecutive.get() : 0;
  }

  private boolean rateTripped(long window) {
    int calls = (int) (window >>> Closed.COUNT_SHIFT);
    if (calls < config.minimumCalls()) {
      return false;
    }
    int failures = Long.bitCount(window & windowMask);
    return failures >= config.failureRateThreshold() * calls;
  }

  private boolean transition(State from, State to) {
    return transition(from, to, true);
  }

  private boolean transition(State from, State to, boolean own) {
    if (!state.compareAndSet(from, to)) {
      return false;
    }
    if (from.kind() != to.kind()) {
      // an open circuit held open longer (a second 401) is not a transition
      listener.onTransition(model, from.kind(), to.kind());
    }
    TransitionListener out = publisher;
    if (own && out != null && (to.kind() != from.kind() || to.kind() == CircuitState.OPEN)) {
      out.onTransition(model, from.kind(), to.kind());
    }
    return true;
  }

  private abstract static class State {
    /** Opens in a row without a successful close; grows the recovery time. */
    final int opens;

    State(int opens) {
      this.opens = opens;
    }

    abstract CircuitState kind();
  }

  private static final class Closed extends State {
    static final int COUNT_SHIFT = 56;

    final AtomicInteger consecutive = new AtomicInteger();
    /** Low 56 bits: recent outcomes, newest in bit 0, 1 = failure. High bits: how many are valid. */
    final AtomicLong window = new AtomicLong();

    Closed() {
      super(0);
    }

    long push(boolean failure, long mask) {
      int size = Long.bitCount(mask);
      while (true) {
        long current = window.get();
        long calls = Math.min((current >>> COUNT_SHIFT) + 1, size);
        long bits = ((current << 1) | (failure ? 1 : 0)) & mask;
        long next = (calls << COUNT_SHIFT) | bits;
        if (window.compareAndSet(current, next)) {
          return next;
        }
      }
    }

    @Override
    CircuitState kind() {
      return CircuitState.CLOSED;
    }
  }

  private static final class Open extends State {
    final long untilNanos;

    Open(int opens, long untilNanos) {
      super(opens);
      this.untilNanos = untilNanos;
    }

    @Override
    CircuitState kind() {
      return CircuitState.OPEN;
    }
  }

  private static final class HalfOpen extends State {
    final AtomicInteger permits;
    final AtomicInteger successes = new AtomicInteger();

    HalfOpen(int opens, int probes) {
      super(opens);
      this.permits = new AtomicInteger(probes);
    }

    @Override
    CircuitState kind() {
      return CircuitState.HALF_OPEN;
    }
  }
}
