package dev.sheepdog.gateway.demo;

import dev.sheepdog.spi.CircuitState;
import dev.sheepdog.spi.ModelId;
import dev.sheepdog.spi.Money;
import java.net.URI;
import java.time.Duration;
import java.util.List;

/**
 * The demo at one moment, as the views draw it.
 *
 * @param elapsed time since traffic started
 * @param duration how long traffic runs in all
 * @param phase what is going on, in words
 * @param models one row per model, in catalog order
 * @param clients what the clients saw so far
 * @param newCircuitEvents circuit transitions since the previous snapshot
 * @param alert the latest alert, in words, or {@code null}
 * @param dashboard the gateway's dashboard
 * @param adminKey the key the dashboard asks for
 */
record DemoSnapshot(
    Duration elapsed,
    Duration duration,
    String phase,
    List<ModelRow> models,
    ClientTally.Snapshot clients,
    List<DemoRecorder.CircuitEvent> newCircuitEvents,
    String alert,
    URI dashboard,
    String adminKey) {

  /**
   * One model's live figures.
   *
   * @param coolingDown whether it is waiting out a 429's {@code Retry-After}: skipped, circuit closed
   * @param recentShare the share of requests it answered lately, in [0, 1]
   * @param answered the requests it answered since the start
   * @param p50 median latency over the statistics window, or {@code null} before any answer
   * @param p95 95th percentile latency over the window, or {@code null}
   * @param errorRate failures ÷ calls over the window
   * @param spend what its answers cost so far
   */
  record ModelRow(ModelId model, CircuitState circuit, boolean coolingDown, double recentShare, long answered, Duration p50,
      Duration p95, double errorRate, Money spend) {}

  /** The circuit as the views show it: {@code cooling} for a closed circuit waiting out a 429. */
  static String state(ModelRow row) {
    return row.circuit() == CircuitState.CLOSED && row.coolingDown() ? "cooling" : DemoReport.state(row.circuit());
  }

  /** Time still to run, never negative. */
  Duration left() {
    Duration left = duration.minus(elapsed);
    return left.isNegative() ? Duration.ZERO : left;
  }

  /** How far the run is, in [0, 1]. */
  double progress() {
    return Math.min(1, (double) elapsed.toNanos() / duration.toNanos());
  }
}
