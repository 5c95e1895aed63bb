package dev.sheepdog.core.alert;

import dev.sheepdog.core.stats.ModelStats;
import dev.sheepdog.spi.AlertType;
import dev.sheepdog.spi.CircuitState;
import dev.sheepdog.spi.ModelHealthView;
import dev.sheepdog.spi.ModelId;
import dev.sheepdog.spi.RouterEvent;
import dev.sheepdog.spi.RouterListener;
import dev.sheepdog.spi.Ticker;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns live health into alerts that fire once per episode: a {@link RouterEvent.Alert} with
 * {@code resolved == false} when a condition starts, one with {@code resolved == true} when it
 * ends, and nothing in between however many calls are made.
 *
 * <p>The per-model rules ({@link AlertRules}) are checked by {@link #evaluate} after every recorded
 * outcome and by {@link #onCircuitTransition}; budget and authentication code use {@link #raise}
 * and {@link #resolve} directly with the same semantics. An episode is identified by its type and
 * subject (a model id, a provider id or a budget name).
 *
 * <h2>Concurrency</h2>
 *
 * <p>Each subject has an {@link AtomicIntegerArray} with one flag per {@link AlertType}. Starting
 * an episode is a CAS of its flag from 0 to 1 and ending it one from 1 to 0, so exactly one thread
 * wins each transition and only the winner builds a message and publishes. When nothing changes,
 * evaluating costs a map lookup and a volatile read per rule, and allocates nothing. Two threads
 * racing to start and end the same episode may deliver the two events in either order; the flag
 * itself is always right. The short list of recent alerts is guarded by a monitor, taken only on
 * a transition. Listeners are called on the evaluating thread and whatever they throw is logged
 * and dropped.
 */
public final class AlertMonitor {
  private static final Logger log = LoggerFactory.getLogger(AlertMonitor.class);
  private static final AlertType[] TYPES = AlertType.values();
  private static final int DEFAULT_RECENT_CAPACITY = 100;

  private final AlertRules rules;
  private final Ticker ticker;
  private final RouterListener listener;
  private final int recentCapacity;
  private final long latencyThresholdNanos;
  private final long latencyResolveNanos;
  private final double errorRateResolve;
  private final ConcurrentMap<String, AtomicIntegerArray> episodes = new ConcurrentHashMap<>();
  private final ArrayDeque<RouterEvent.Alert> recent; // guarded by itself

  public AlertMonitor(AlertRules rules, Ticker ticker, RouterListener listener, int recentCapacity) {
    this.rules = Objects.requireNonNull(rules, "rules must not be null");
    this.ticker = Objects.requireNonNull(ticker, "ticker must not be null");
    this.listener = Objects.requireNonNull(listener, "listener must not be null");
    if (recentCapacity < 0) {
      throw new IllegalArgumentException("recentCapacity must not be negative, was " + recentCapacity);
    }
    this.recentCapacity = recentCapacity;
    this.recent = new ArrayDeque<>(Math.min(recentCapacity, DEFAULT_RECENT_CAPACITY));
    this.latencyThresholdNanos = rules.p95LatencyThreshold().toNanos();
    this.latencyResolveNanos = (long) (latencyThresholdNanos * rules.resolveFraction());
    this.errorRateResolve = rules.errorRateThreshold() * rules.resolveFraction();
  }

  /** A monitor that keeps the last 100 alerts. */
  public AlertMonitor(AlertRules rules, Ticker ticker, RouterListener listener) {
    this(rules, ticker, listener, DEFAULT_RECENT_CAPACITY);
  }

  public AlertRules rules() {
    return rules;
  }

  // ---------------------------------------------------------------- per-model rules

  /** Checks the model's rules against its statistics; call after each recorded outcome. */
  public void evaluate(ModelId model, ModelStats stats) {
    evaluate(model, stats.p95LatencyNanos(), stats.errorRate(), stats.windowCalls(), stats.consecutiveFailures());
  }

  /** Checks the model's rules against a health view. */
  public void evaluate(ModelId model, ModelHealthView health) {
    evaluate(model, health.p95LatencyNanos(), health.errorRate(), health.windowCalls(),
        health.consecutiveFailures());
  }

  /**
   * Checks the model's rules against explicit values. A latency of {@code 0} (no sample) and an
   * error rate over fewer than {@link AlertRules#errorRateMinimumCalls()} calls are no evidence
   * either way: they neither start nor end an episode.
   */
  public void evaluate(ModelId model, long p95LatencyNanos, double errorRate, long windowCalls,
      int consecutiveFailures) {
    String subject = model.value();
    AtomicIntegerArray active = episodesOf(subject);

    if (p95LatencyNanos > latencyThresholdNanos) {
      if (begin(active, AlertType.HIGH_LATENCY)) {
        publish(AlertType.HIGH_LATENCY, subject, false, String.format(Locale.ROOT,
            "p95 latency %,d ms is above %,d ms", millis(p95LatencyNanos), millis(latencyThresholdNanos)));
      }
    } else if (p95LatencyNanos > 0 && p95LatencyNanos <= latencyResolveNanos) {
      if (end(active, AlertType.HIGH_LATENCY)) {
        publish(AlertType.HIGH_LATENCY, subject, true, String.format(Locale.ROOT,
            "p95 latency back to %,d ms", millis(p95LatencyNanos)));
      }
    }

    if (windowCalls >= rules.errorRateMinimumCalls()) {
      if (errorRate > rules.errorRateThreshold()) {
        if (begin(active, AlertType.HIGH_ERROR_RATE)) {
          publish(AlertType.HIGH_ERROR_RATE, subject, false, String.format(Locale.ROOT,
              "error rate %.1f %% over %d calls is above %.1f %%",
              errorRate * 100, windowCalls, rules.errorRateThreshold() * 100));
        }
      } else if (errorRate <= errorRateResolve) {
        if (end(active, AlertType.HIGH_ERROR_RATE)) {
          publish(AlertType.HIGH_ERROR_RATE, subject, true, String.format(Locale.ROOT,
              "error rate back to %.1f %% over %d calls", errorRate * 100, windowCalls));
        }
      }
    }

    if (consecutiveFailures >= rules.consecutiveFailuresThreshold()) {
      if (begin(active, AlertType.CONSECUTIVE_FAILURES)) {
        publish(AlertType.CONSECUTIVE_FAILURES, subject, false, consecutiveFailures + " failures in a row");
      }
    } else if (end(active, AlertType.CONSECUTIVE_FAILURES)) {
      publish(AlertType.CONSECUTIVE_FAILURES, subject, true, "answering again");
    }
  }

  /** An open circuit starts a {@code CIRCUIT_OPEN} episode; only closing it again ends it. */
  public void onCircuitTransition(ModelId model, CircuitState from, CircuitState to) {
    Objects.requireNonNull(to, "to must not be null");
    String subject = model.value();
    if (to == CircuitState.OPEN) {
      raise(AlertType.CIRCUIT_OPEN, subject, "circuit opened (was " + from + ")");
    } else if (to == CircuitState.CLOSED) {
      resolve(AlertType.CIRCUIT_OPEN, subject, "circuit closed");
    }
  }

  // ---------------------------------------------------------------- any subject

  /**
   * Starts an episode of {@code type} for {@code subject} unless one is running.
   *
   * @return whether this call started it (and so published an alert)
   */
  public boolean raise(AlertType type, String subject, String message) {
    Objects.requireNonNull(type, "type must not be null");
    Objects.requireNonNull(subject, "subject must not be null");
    if (!begin(episodesOf(subject), type)) {
      return false;
    }
    publish(type, subject, false, message);
    return true;
  }

  /**
   * Ends the running episode of {@code type} for {@code subject}, if there is one.
   *
   * @return whether this call ended it (and so published a resolved alert)
   */
  public boolean resolve(AlertType type, String subject, String message) {
    Objects.requireNonNull(type, "type must not be null");
    Objects.requireNonNull(subject, "subject must not be null");
    AtomicIntegerArray active = episodes.get(subject);
    if (active == null || !end(active, type)) {
      return false;
    }
    publish(type, subject, true, message);
    return true;
  }

  /** Whether an episode of {@code type} is running for {@code subject}. */
  public boolean isActive(AlertType type, String subject) {
    AtomicIntegerArray active = episodes.get(subject);
    return active != null && active.get(type.ordinal()) == 1;
  }

  /** The most recent alerts, started and resolved, oldest first. */
  public List<RouterEvent.Alert> recent() {
    synchronized (recent) {
      return List.copyOf(recent);
    }
  }

  /** The episodes running now. */
  public List<Active> active() {
    List<Active> result = new ArrayList<>();
    episodes.forEach((subject, flags) -> {
      for (int i = 0; i < TYPES.length; i++) {
        if (flags.get(i) == 1) {
          result.add(new Active(TYPES[i], subject));
        }
      }
    });
    return result;
  }

  /** A running episode. */
  public record Active(AlertType type, String subject) {
    public Active {
      Objects.requireNonNull(type, "type must not be null");
      Objects.requireNonNull(subject, "subject must not be null");
    }
  }

  // ---------------------------------------------------------------- internals

  private AtomicIntegerArray episodesOf(String subject) {
    AtomicIntegerArray active = episodes.get(subject);
    return active != null ? active : episodes.computeIfAbsent(subject, s -> new AtomicIntegerArray(TYPES.length));
  }

  // reading first keeps the steady state to plain reads: no CAS, no cache-line traffic
  private static boolean begin(AtomicIntegerArray active, AlertType type) {
    int i = type.ordinal();
    return active.get(i) == 0 && active.compareAndSet(i, 0, 1);
  }

  private static boolean end(AtomicIntegerArray active, AlertType type) {
    int i = type.ordinal();
    return active.get(i) == 1 && active.compareAndSet(i, 1, 0);
  }

  private void publish(AlertType type, String subject, boolean resolved, String message) {
    RouterEvent.Alert alert =
        new RouterEvent.Alert(type, subject, resolved, message == null ? "" : message, ticker.epochMillis());
    if (recentCapacity > 0) {
      synchronized (recent) {
        if (recent.size() == recentCapacity) {
          recent.removeFirst();
        }
        recent.addLast(alert);
      }
    }
    try {
      listener.onEvent(alert);
    } catch (Exception e) {
      log.warn("alert listener failed on {} {} for {}", type, resolved ? "resolved" : "fired", subject, e);
    }
  }

  private static long millis(long nanos) {
    return nanos / 1_000_000;
  }
}
