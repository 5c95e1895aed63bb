package dev.sheepdog.gateway.demo;

import dev.sheepdog.spi.CircuitState;
import dev.sheepdog.spi.ModelId;
import dev.sheepdog.spi.Money;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * What the demo showed, printed when it ends: requests and success rate as the clients saw them,
 * what failed over to what and why, every circuit transition, latency and spend per model, and the
 * cost against sending everything to one premium model.
 *
 * @param options how the demo ran
 * @param ran how long it ran, requests in flight at the end included
 * @param outage the model that went down
 * @param storm the model that answered 429
 * @param clients what the clients saw
 * @param failedEverywhere requests the router could not answer on any model
 * @param failovers what failed over to what, the most frequent first
 * @param circuitEvents every circuit transition, in order
 * @param models per model, in catalog order
 * @param cost the spend against the reference model
 */
record DemoReport(
    DemoOptions options,
    Duration ran,
    ModelId outage,
    ModelId storm,
    ClientTally.Snapshot clients,
    long failedEverywhere,
    List<DemoRecorder.Failover> failovers,
    List<DemoRecorder.CircuitEvent> circuitEvents,
    List<ModelLine> models,
    CostComparison cost) {

  /**
   * One model's figures over the whole run.
   *
   * @param answered requests it answered
   * @param p50 median latency of its successful calls, {@code null} if it had none
   * @param p95 95th percentile latency of its successful calls, {@code null} if it had none
   * @param calls calls made to it, failed ones included
   * @param errorRate failed calls ÷ calls
   * @param spend what its answers cost
   */
  record ModelLine(ModelId model, long answered, Duration p50, Duration p95, long calls, double errorRate,
      Money spend) {}

  /** Whether some circuit opened and later closed again: the whole story. */
  boolean circuitOpenedAndClosed() {
    for (int i = 0; i < circuitEvents.size(); i++) {
      DemoRecorder.CircuitEvent opened = circuitEvents.get(i);
      if (opened.to() != CircuitState.OPEN) {
        continue;
      }
      for (int j = i + 1; j < circuitEvents.size(); j++) {
        DemoRecorder.CircuitEvent later = circuitEvents.get(j);
        if (later.model().equals(opened.model()) && later.to() == CircuitState.CLOSED) {
          return true;
        }
      }
    }
    return false;
  }

  String render() {
    StringBuilder out = new StringBuilder();
    line(out, "Sheepdog demo report");
    line(out, "  ran " + Format.seconds(ran) + " at time scale " + options.timeScale() + " (simulated latencies x"
        + options.timeScale() + "), " + options.rate() + " requests/s, concurrency " + options.concurrency()
        + ", seed " + options.seed());
    line(out, "  faults: outage on " + outage + " and 429 storm on " + storm + " from 25 % to 60 % of the run");
    line(out, "");
    line(out, "Requests");
    line(out, "  " + Format.count(clients.sent()) + " sent, " + Format.count(clients.succeeded()) + " answered, "
        + Format.count(clients.failed()) + " failed: success rate " + Format.percent(clients.successRate()));
    line(out, "  streams: " + Format.count(clients.streamsWhole()) + " whole, " + Format.count(clients.streamsBroken())
        + " broken");
    if (!clients.failuresByStatus().isEmpty()) {
      line(out, "  failures by status: " + clients.failuresByStatus().entrySet().stream()
          .map(e -> (e.getKey() == ClientTally.NO_ANSWER ? "no answer" : e.getKey() == 200 ? "broken stream"
              : "HTTP " + e.getKey()) + " x" + e.getValue())
          .collect(Collectors.joining(", ")));
    }
    line(out, "");
    line(out, "Failover (first choice -> model that answered: requests, why the first choice was passed over)");
    if (failovers.isEmpty()) {
      line(out, "  none");
    }
    for (DemoRecorder.Failover f : failovers) {
      line(out, "  " + Format.pad(f.from().value(), 26) + " -> " + Format.pad(f.to().value(), 32)
          + Format.padLeft(Format.count(f.count()), 6) + "   " + reasons(f.reasons()));
    }
    line(out, "");
    line(out, "Circuit events (time since start)");
    if (circuitEvents.isEmpty()) {
      line(out, "  none");
    }
    for (DemoRecorder.CircuitEvent e : circuitEvents) {
      line(out, "  " + Format.padLeft(Format.seconds(e.at()), 8) + "  " + Format.pad(e.model().value(), 32)
          + state(e.from()) + " -> " + state(e.to()));
    }
    line(out, "");
    line(out, "Models (over the whole run; latencies are wall-clock, divide by the time scale for real-world ones)");
    line(out, "  " + Format.pad("model", 32) + Format.padLeft("answered", 9) + Format.padLeft("share", 8)
        + Format.padLeft("p50", 10) + Format.padLeft("p95", 10) + Format.padLeft("calls", 8)
        + Format.padLeft("errors", 9) + Format.padLeft("spend", 10));
    long answered = models.stream().mapToLong(ModelLine::answered).sum();
    for (ModelLine m : models) {
      line(out, "  " + Format.pad(m.model().value(), 32) + Format.padLeft(Format.count(m.answered()), 9)
          + Format.padLeft(Format.percent(answered == 0 ? 0 : (double) m.answered() / answered), 8)
          + Format.padLeft(Format.millis(m.p50()), 10) + Format.padLeft(Format.millis(m.p95()), 10)
          + Format.padLeft(Format.count(m.calls()), 8) + Format.padLeft(Format.percent(m.errorRate()), 9)
          + Format.padLeft(Format.usd(m.spend()), 10));
    }
    line(out, "");
    line(out, "Cost");
    line(out, "  spent " + usd(cost.actual()) + "; had every request gone to " + cost.reference() + " (the same tokens"
        + " at its rates): " + usd(cost.allOnReference()));
    line(out, "  " + (cost.saved().nanos() >= 0 ? "saved " : "extra ") + usd(cost.saved().nanos() >= 0 ? cost.saved()
        : Money.ZERO.minus(cost.saved())) + " (" + Format.percent(Math.abs(cost.savedFraction())) + ")");
    if (failedEverywhere > 0) {
      line(out, "");
      line(out, "The router found no model for " + Format.count(failedEverywhere) + " requests: every model of"
          + " their route was down or cooling down at once.");
    }
    return out.toString();
  }

  static String state(CircuitState state) {
    return state.name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  private static String reasons(Map<String, Long> reasons) {
    return reasons.entrySet().stream()
        .sorted(Map.Entry.<String, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
        .map(e -> e.getKey() + " " + Format.count(e.getValue()))
        .collect(Collectors.joining(", "));
  }

  private static String usd(Money money) {
    return "$" + money.toUsdString();
  }

  private static void line(StringBuilder out, String text) {
    out.append(text).append(System.lineSeparator());
  }
}
