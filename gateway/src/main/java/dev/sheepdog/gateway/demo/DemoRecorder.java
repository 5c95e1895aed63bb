package dev.sheepdog.gateway.demo;

import dev.sheepdog.spi.CircuitState;
import dev.sheepdog.spi.FailureKind;
import dev.sheepdog.spi.ModelId;
import dev.sheepdog.spi.RouterEvent;
import dev.sheepdog.spi.RouterListener;
import dev.sheepdog.spi.SkipReason;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * The router's side of the demo, from its events: which model answered each request, what failed
 * over to what and why, every circuit transition and when, and what the answers cost.
 *
 * <p>A request's first choice is the first model its plan reached, called or skipped; when another
 * model answers it, that is a failover from the first choice to the one that answered, and the
 * reason is what happened to the first choice (its circuit was open, it answered 503, it was
 * cooling down after a 429). Like every listener it is quick and never throws; events arrive on
 * many threads, so every structure is concurrent.
 */
final class DemoRecorder implements RouterListener {
  private volatile long startEpochMillis;
  private final CostComparison.Tally cost;
  private final Map<String, Track> requests = new ConcurrentHashMap<>();
  private final Map<ModelId, LongAdder> served = new ConcurrentHashMap<>();
  private final Map<Route, Map<String, LongAdder>> failovers = new ConcurrentHashMap<>();
  private final List<CircuitEvent> circuitEvents = new ArrayList<>();
  private final LongAdder failedEverywhere = new LongAdder();
  private final AtomicReference<RouterEvent.Alert> lastAlert = new AtomicReference<>();

  DemoRecorder(CostComparison.Tally cost) {
    this.cost = cost;
    this.startEpochMillis = System.currentTimeMillis();
  }

  /** Times circuit events from {@code epochMillis}: when traffic starts. */
  void start(long epochMillis) {
    this.startEpochMillis = epochMillis;
  }

  /**
   * A circuit transition, timed from the start of the run.
   *
   * @param at time since the run started
   */
  record CircuitEvent(ModelId model, CircuitState from, CircuitState to, Duration at) {}

  /** A failover and how often it happened, by the reason the first choice was passed over. */
  record Failover(ModelId from, ModelId to, long count, Map<String, Long> reasons) {}

  private record Route(ModelId from, ModelId to) {}

  /** The first model a request reached and why it moved on from it, once known. */
  private static final class Track {
    final ModelId first;
    volatile String reason;

    Track(ModelId first) {
      this.first = first;
    }
  }

  @Override
  public void onEvent(RouterEvent event) {
    try {
      record(event);
    } catch (RuntimeException e) {
      // a miscount in the demo's figures must not fail a request
    }
  }

  private void record(RouterEvent event) {
    if (event instanceof RouterEvent.AttemptStarted started) {
      requests.computeIfAbsent(started.requestId(), id -> new Track(started.model()));
    } else if (event instanceof RouterEvent.ModelSkipped skipped) {
      Track track = requests.computeIfAbsent(skipped.requestId(), id -> new Track(skipped.model()));
      noteReason(track, skipped.model(), label(skipped.reason()));
    } else if (event instanceof RouterEvent.AttemptFailed failed) {
      Track track = requests.get(failed.requestId());
      if (track != null) {
        noteReason(track, failed.model(), label(failed.kind(), failed.httpStatus()));
      }
    } else if (event instanceof RouterEvent.AttemptSucceeded ok) {
      cost.add(ok.usage(), ok.cost());
    } else if (event instanceof RouterEvent.RequestSucceeded ok) {
      served.computeIfAbsent(ok.model(), m -> new LongAdder()).increment();
      Track track = requests.remove(ok.requestId());
      if (track != null && !track.first.equals(ok.model())) {
        String reason = track.reason != null ? track.reason : "slower than the next";
        failovers.computeIfAbsent(new Route(track.first, ok.model()), r -> new ConcurrentHashMap<>())
            .computeIfAbsent(reason, r -> new LongAdder()).increment();
      }
    } else if (event instanceof RouterEvent.RequestFailed failed) {
      requests.remove(failed.requestId());
      failedEverywhere.increment();
    } else if (event instanceof RouterEvent.CircuitTransition transition) {
      synchronized (circuitEvents) {
        circuitEvents.add(new CircuitEvent(transition.model(), transition.from(), transition.to(),
            Duration.ofMillis(Math.max(0, transition.atEpochMillis() - startEpochMillis))));
      }
    } else if (event instanceof RouterEvent.Alert alert) {
      lastAlert.set(alert);
    }
  }

  private static void noteReason(Track track, ModelId model, String reason) {
    if (track.first.equals(model) && track.reason == null) {
      track.reason = reason;
    }
  }

  static String label(SkipReason reason) {
    return switch (reason) {
      case CIRCUIT_OPEN -> "circuit open";
      case COOLING_DOWN -> "cooling down after 429";
      case RATE_LIMITED -> "at its rate limit";
      default -> reason.name().toLowerCase(Locale.ROOT).replace('_', ' ');
    };
  }

  static String label(FailureKind kind, int httpStatus) {
    String name = kind.name().toLowerCase(Locale.ROOT).replace('_', ' ');
    return httpStatus > 0 ? name + " (" + httpStatus + ")" : name;
  }

  /** Requests each model answered so far. */
  Map<ModelId, Long> served() {
    Map<ModelId, Long> counts = new TreeMap<>();
    served.forEach((model, count) -> counts.put(model, count.sum()));
    return counts;
  }

  /** Failovers, the most frequent first. */
  List<Failover> failovers() {
    List<Failover> list = new ArrayList<>();
    failovers.forEach((route, reasons) -> {
      Map<String, Long> counts = new LinkedHashMap<>();
      reasons.entrySet().stream()
          .sorted(Map.Entry.<String, LongAdder>comparingByValue(Comparator.comparingLong(LongAdder::sum)).reversed())
          .forEach(e -> counts.put(e.getKey(), e.getValue().sum()));
      list.add(new Failover(route.from(), route.to(), counts.values().stream().mapToLong(Long::longValue).sum(),
          counts));
    });
    list.sort(Comparator.comparingLong(Failover::count).reversed()
        .thenComparing(f -> f.from().value()).thenComparing(f -> f.to().value()));
    return list;
  }

  /** Every circuit transition so far, in the order they happened. */
  List<CircuitEvent> circuitEvents() {
    synchronized (circuitEvents) {
      return List.copyOf(circuitEvents);
    }
  }

  /** Requests the router could not answer on any model. */
  long failedEverywhere() {
    return failedEverywhere.sum();
  }

  /** The most recent alert, started or resolved, or {@code null}. */
  RouterEvent.Alert lastAlert() {
    return lastAlert.get();
  }

  CostComparison cost() {
    return cost.total();
  }
}
