package dev.sheepdog.gateway.demo;

import java.io.Console;
import java.io.PrintWriter;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code sheepdog demo}: the gateway on simulated models, with traffic, an outage and a 429 storm,
 * so a newcomer sees failover, circuits opening and closing, and the cost of it all, with no key
 * and no network.
 */
@Command(
    name = "demo",
    sortOptions = false,
    description = "Starts the gateway on a loopback port in front of simulated models, sends traffic through it,"
        + " takes one model down and rate-limits another at 25 %% of the run, heals them at 60 %%, and reports what"
        + " failed over where, when circuits opened and closed, latency per model and what it all cost."
        + " No API key and no network are needed.",
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:the run completed", "1:the gateway could not start (the port is taken)",
        "2:an option is invalid", "130:interrupted"})
public final class DemoCommand implements Callable<Integer> {

  @Spec
  CommandSpec spec;

  @Option(names = "--duration", paramLabel = "<time>", defaultValue = "60s", converter = DurationConverter.class,
      description = "How long traffic runs: 2s to 1h, as 90s, 2m, 1500ms or PT1M (default: ${DEFAULT-VALUE}).")
  Duration duration;

  @Option(names = "--rate", paramLabel = "<per-second>", defaultValue = "20",
      description = "Requests per second (default: ${DEFAULT-VALUE}).")
  double rate;

  @Option(names = "--concurrency", paramLabel = "<n>", defaultValue = "32",
      description = "Requests in flight at most (default: ${DEFAULT-VALUE}).")
  int concurrency;

  @Option(names = "--seed", paramLabel = "<n>", defaultValue = "42",
      description = "Seeds the traffic mix and the simulated models (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--time-scale", paramLabel = "<factor>", defaultValue = "0.1",
      description = "Simulated latencies are the real models' times this factor: 0.1 runs ten times faster;"
          + " circuit recovery, backoff and deadlines scale with it (default: ${DEFAULT-VALUE}).")
  double timeScale;

  @Option(names = "--no-live", description = "Print plain status lines instead of a live view (for logs and CI);"
      + " implied when there is no console.")
  boolean noLive;

  @Option(names = "--port", paramLabel = "<port>", defaultValue = "0",
      description = "The gateway's port on 127.0.0.1; 0 picks a free one (default: ${DEFAULT-VALUE}).")
  int port;

  @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
  boolean help;

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  /** The command line of this command, ready to execute. */
  public static CommandLine commandLine() {
    return new CommandLine(new DemoCommand());
  }

  @Override
  public Integer call() {
    DemoOptions options;
    try {
      options = new DemoOptions(duration, rate, concurrency, seed, timeScale, !noLive && System.console() != null,
          port);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    quietLogs();
    PrintWriter out = spec.commandLine().getOut();
    // taken before System.err is held, so messages reach the terminal
    PrintWriter err = spec.commandLine().getErr();
    double expected = options.rate() * options.duration().toMillis() / 1000.0;
    if (expected < 40) {
      out.printf(Locale.ROOT, "Note: about %.0f requests are too few to show failover well; raise --rate or"
          + " --duration.%n", expected);
    }
    LiveView[] live = new LiveView[1];
    DemoRun run = new DemoRun(options, (plan, header) -> {
      if (options.live()) {
        live[0] = new LiveView(out, header, unicode(System.console()));
        return live[0];
      }
      out.println(header);
      return new PlainView(out, PlainView.intervalFor(options.duration()), System.console() != null);
    });
    // while the live view owns the terminal, log lines written to System.err would tear it
    HeldStderr held = options.live() ? HeldStderr.hold() : null;
    Thread restore = new Thread(() -> {
      if (held != null) {
        held.close();
      }
      if (live[0] != null) {
        live[0].restoreScreen();
      }
    }, "sheepdog-demo-restore-terminal");
    Runtime.getRuntime().addShutdownHook(restore);
    try {
      DemoReport report = run.run();
      out.print(report.render());
      out.flush();
      return 0;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 130;
    } catch (DemoRun.GatewayNotStartedException e) {
      err.println(e.getMessage());
      err.flush();
      return 1;
    } finally {
      if (live[0] != null) {
        live[0].restoreScreen();
      }
      if (held != null) {
        held.close();
        List<String> logged = held.kept();
        if (!logged.isEmpty()) {
          err.println("Logged while the live view was shown:");
          logged.forEach(err::println);
          err.flush();
        }
      }
      try {
        Runtime.getRuntime().removeShutdownHook(restore);
      } catch (IllegalStateException shuttingDown) {
        // the hook runs anyway
      }
    }
  }

  /** The gateway's own log lines would tear the live view; keep them to warnings unless told otherwise. */
  private static void quietLogs() {
    if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
      System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    }
  }

  private static boolean unicode(Console console) {
    Charset charset = console != null ? console.charset() : Charset.defaultCharset();
    return StandardCharsets.UTF_8.equals(charset);
  }

  /** Reads {@code 90s}, {@code 2m}, {@code 1h}, {@code 1500ms}, a bare number of seconds, or ISO-8601 ({@code PT1M}). */
  static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
    private static final Pattern SIMPLE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|m|h)?");

    @Override
    public Duration convert(String value) {
      String text = value.strip().toLowerCase(Locale.ROOT);
      Matcher m = SIMPLE.matcher(text);
      if (m.matches()) {
        double amount = Double.parseDouble(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        double millis = switch (unit) {
          case "ms" -> amount;
          case "m" -> amount * 60_000;
          case "h" -> amount * 3_600_000;
          default -> amount * 1_000;
        };
        return Duration.ofMillis(Math.round(millis));
      }
      try {
        return Duration.parse(value.strip());
      } catch (DateTimeParseException e) {
        throw new CommandLine.TypeConversionException(
            "'" + value + "' is not a duration; use 90s, 2m, 1h, 1500ms or PT1M");
      }
    }
  }
}
