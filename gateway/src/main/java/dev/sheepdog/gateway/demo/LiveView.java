package dev.sheepdog.gateway.demo;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A terminal view that redraws in place with ANSI escapes: per model its circuit (in colour), its
 * share of recent traffic, latency, error rate and spend; overall the requests, success rate,
 * progress and the current phase; and where the dashboard is.
 *
 * <p>Like {@code top}, it draws on the terminal's alternate screen: each frame homes the cursor,
 * rewrites every line and erases what is left below, so a line that wraps on a narrow terminal
 * cannot throw the next frame off. When the run ends it returns to the normal screen and prints
 * the last frame there, so it stays in the scrollback above the report. Lines fit 80 columns.
 */
final class LiveView implements DemoView {
  static final String RESET = "\033[0m";
  static final String BOLD = "\033[1m";
  static final String DIM = "\033[2m";
  static final String RED = "\033[31m";
  static final String GREEN = "\033[32m";
  static final String YELLOW = "\033[33m";
  static final String CYAN = "\033[36m";
  private static final String ENTER_ALTERNATE_SCREEN = "\033[?1049h";
  private static final String LEAVE_ALTERNATE_SCREEN = "\033[?1049l";
  private static final String HOME = "\033[H";
  private static final String ERASE_TO_LINE_END = "\033[K";
  private static final String ERASE_BELOW = "\033[J";
  private static final String HIDE_CURSOR = "\033[?25l";
  private static final String SHOW_CURSOR = "\033[?25h";
  private static final int BAR = 40;
  private static final int SHARE_BAR = 8;
  private static final int NAME = 25;

  private final PrintWriter out;
  private final boolean unicode;
  private final String header;
  private boolean started;
  private boolean finished;

  /**
   * @param header the first line: what runs, at what scale
   * @param unicode whether the terminal takes block characters; otherwise bars are drawn in ASCII
   */
  LiveView(PrintWriter out, String header, boolean unicode) {
    this.out = out;
    this.header = header;
    this.unicode = unicode;
  }

  @Override
  public Duration interval() {
    return Duration.ofMillis(250);
  }

  @Override
  public synchronized void show(DemoSnapshot snapshot) {
    if (finished) {
      return;
    }
    StringBuilder frame = new StringBuilder();
    if (!started) {
      frame.append(ENTER_ALTERNATE_SCREEN).append(HIDE_CURSOR);
      started = true;
    }
    frame.append(HOME);
    for (String line : render(snapshot)) {
      frame.append(line).append(ERASE_TO_LINE_END).append('\n');
    }
    frame.append(ERASE_BELOW);
    out.print(frame);
    out.flush();
  }

  @Override
  public synchronized void finish(DemoSnapshot last) {
    restoreScreen();
    for (String line : render(last)) {
      out.println(line);
    }
    out.println();
    out.flush();
  }

  /** Back to the normal screen with the cursor shown; safe to call more than once. */
  synchronized void restoreScreen() {
    if (started && !finished) {
      out.print(RESET + SHOW_CURSOR + LEAVE_ALTERNATE_SCREEN);
      out.flush();
    }
    finished = true;
  }

  List<String> render(DemoSnapshot s) {
    List<String> lines = new ArrayList<>();
    lines.add(BOLD + header + RESET);
    lines.add("Phase: " + CYAN + s.phase() + RESET);
    int filled = (int) Math.round(s.progress() * BAR);
    lines.add("[" + bar(filled, BAR) + "] " + Format.seconds(s.elapsed()) + " of " + Format.seconds(s.duration())
        + ", " + Format.seconds(s.left()) + " left");
    lines.add("");
    lines.add(BOLD + Format.pad("model", NAME) + Format.pad("circuit", 10) + Format.pad("traffic", 15)
        + Format.padLeft("p50", 7) + Format.padLeft("p95", 7) + Format.padLeft("errors", 7)
        + Format.padLeft("spend", 9) + RESET);
    for (DemoSnapshot.ModelRow row : s.models()) {
      int shareCells = (int) Math.round(row.recentShare() * SHARE_BAR);
      lines.add(Format.pad(shorten(row.model().value(), NAME - 1), NAME)
          + circuit(row)
          + bar(shareCells, SHARE_BAR) + Format.padLeft(Math.round(row.recentShare() * 100) + "%", 5) + "  "
          + Format.padLeft(compactMillis(row.p50()), 7) + Format.padLeft(compactMillis(row.p95()), 7)
          + errorRate(row.errorRate())
          + Format.padLeft(Format.usd(row.spend()), 9));
    }
    lines.add(DIM + "traffic: share of recent answers; p50, p95, errors: over the statistics window;"
        + RESET);
    lines.add(DIM + "spend: since the start; cooling: skipped until a 429's Retry-After has passed" + RESET);
    lines.add("");
    ClientTally.Snapshot c = s.clients();
    lines.add("Requests " + Format.count(c.sent()) + " sent, " + GREEN + Format.count(c.succeeded()) + " answered"
        + RESET + ", " + (c.failed() > 0 ? RED : "") + Format.count(c.failed()) + " failed" + RESET + ", "
        + Format.count(c.inFlight()) + " in flight; success " + BOLD + Format.percent(c.successRate()) + RESET);
    lines.add("Last alert: " + (s.alert() == null ? DIM + "none" + RESET : YELLOW + s.alert() + RESET));
    lines.add("Dashboard: " + s.dashboard());
    lines.add("  admin key to type in: " + s.adminKey());
    lines.add(DIM + "Ctrl-C stops the demo." + RESET);
    return lines;
  }

  private String circuit(DemoSnapshot.ModelRow row) {
    return switch (row.circuit()) {
      case CLOSED -> row.coolingDown() ? YELLOW + Format.pad("cooling", 10) + RESET
          : GREEN + Format.pad("closed", 10) + RESET;
      case HALF_OPEN -> YELLOW + BOLD + Format.pad("half-open", 10) + RESET;
      case OPEN -> RED + BOLD + Format.pad("OPEN", 10) + RESET;
    };
  }

  private static String errorRate(double rate) {
    String text = Format.padLeft(String.format(java.util.Locale.ROOT, "%.1f%%", rate * 100), 7);
    return rate >= 0.05 ? RED + text + RESET : text;
  }

  private static String compactMillis(Duration d) {
    return d == null ? "-" : d.toMillis() + "ms";
  }

  private static String shorten(String name, int width) {
    return name.length() <= width ? name : name.substring(0, width - 1) + "~";
  }

  private String bar(int filled, int width) {
    filled = Math.max(0, Math.min(width, filled));
    char full = unicode ? '\u2588' : '#';
    char empty = unicode ? '\u2591' : '.';
    return String.valueOf(full).repeat(filled) + String.valueOf(empty).repeat(width - filled);
  }
}
