package dev.sheepdog.gateway.demo;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;

/**
 * Plain lines for logs and CI: a status line every {@code interval} (phase, requests, success rate,
 * each model's circuit and share), each circuit transition as it happens, and each change of
 * phase. No escapes, nothing redrawn.
 */
final class PlainView implements DemoView {
  private final PrintWriter out;
  private final Duration interval;
  private final boolean showAdminKey;
  private String lastPhase;
  private boolean dashboardShown;

  /**
   * @param showAdminKey whether to print the dashboard's admin key: only for a person at a console,
   *     never into a log file or a CI log
   */
  PlainView(PrintWriter out, Duration interval, boolean showAdminKey) {
    this.out = out;
    this.interval = interval;
    this.showAdminKey = showAdminKey;
  }

  /** A status line about every twentieth of the run, at least every second and at most every five. */
  static Duration intervalFor(Duration run) {
    long millis = Math.max(1_000, Math.min(5_000, run.toMillis() / 20));
    return Duration.ofMillis(millis);
  }

  @Override
  public Duration interval() {
    return interval;
  }

  @Override
  public synchronized void show(DemoSnapshot s) {
    if (!dashboardShown) {
      out.println("dashboard: " + s.dashboard() + (showAdminKey ? " (admin key: " + s.adminKey() + ")"
          : " (its admin key is shown only at a console)"));
      dashboardShown = true;
    }
    for (DemoRecorder.CircuitEvent event : s.newCircuitEvents()) {
      out.println(stamp(event.at()) + " circuit " + event.model() + ": " + DemoReport.state(event.from()) + " -> "
          + DemoReport.state(event.to()));
    }
    if (!s.phase().equals(lastPhase)) {
      out.println(stamp(s.elapsed()) + " phase: " + s.phase());
      lastPhase = s.phase();
    }
    StringBuilder line = new StringBuilder(stamp(s.elapsed()));
    ClientTally.Snapshot c = s.clients();
    line.append(" requests ").append(c.sent()).append(", answered ").append(c.succeeded()).append(", failed ")
        .append(c.failed()).append(", success ").append(Format.percent(c.successRate())).append(" |");
    for (DemoSnapshot.ModelRow row : s.models()) {
      line.append(' ').append(row.model()).append(' ').append(DemoSnapshot.state(row)).append(' ')
          .append(Math.round(row.recentShare() * 100)).append("% |");
    }
    line.setLength(line.length() - 2);
    out.println(line);
    out.flush();
  }

  @Override
  public void finish(DemoSnapshot last) {
    show(last);
  }

  private static String stamp(Duration at) {
    return String.format(Locale.ROOT, "[%6.1fs]", at.toMillis() / 1000.0);
  }
}
