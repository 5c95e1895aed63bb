package dev.sheepdog.gateway.cli;

import dev.sheepdog.gateway.demo.DemoCommand;
import java.util.Locale;
import java.util.Objects;
import java.util.function.UnaryOperator;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The {@code sheepdog} command: {@code serve}, {@code check-config}, {@code help}.
 *
 * <p>A subcommand is a picocli {@code @Command} class; add it to {@code subcommands} below. It
 * reaches the environment (for {@code ${VAR}} substitution and keys) through {@code
 * @ParentCommand SheepdogCli root} and {@link #environment()}.
 */
@Command(
    name = "sheepdog",
    mixinStandardHelpOptions = true,
    versionProvider = SheepdogCli.Version.class,
    header = "Sheepdog: one OpenAI-compatible endpoint in front of many LLMs, with automatic failover.",
    description = {
        "Routes chat completions across models and providers (HolySheep, OpenAI, any OpenAI-compatible "
            + "server) with circuit breakers, retries, rate limits, cost accounting and alerts.",
        "",
        "Try it: sheepdog demo (no key, no network needed).",
        "Run it: sheepdog check-config gateway.yaml, then sheepdog serve --config gateway.yaml"},
    synopsisSubcommandLabel = "COMMAND",
    commandListHeading = "%nCommands:%n",
    footer = {"", "Run 'sheepdog help COMMAND' for the options of a command.",
        "The configuration file is described in docs/configuration.md."},
    subcommands = {
        ServeCommand.class,
        CheckConfigCommand.class,
        DemoCommand.class,
        CommandLine.HelpCommand.class})
public final class SheepdogCli implements Runnable {
  /** Invalid configuration or a gateway that could not start. */
  public static final int EXIT_FAILED = 1;
  /** A command line picocli could not parse (its own default). */
  public static final int EXIT_USAGE = 2;

  @Spec
  CommandSpec spec;

  private final UnaryOperator<String> environment;

  public SheepdogCli() {
    this(System::getenv);
  }

  SheepdogCli(UnaryOperator<String> environment) {
    this.environment = Objects.requireNonNull(environment, "environment");
  }

  public static void main(String[] args) {
    if (firstCommand(args).equals("demo")) {
      // the gateway's request lines would drown the demo's own view
      setIfAbsent("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    }
    configureLogging();
    int exitCode = commandLine().execute(args);
    System.exit(exitCode);
  }

  private static String firstCommand(String[] args) {
    for (String arg : args) {
      if (!arg.startsWith("-")) {
        return arg;
      }
    }
    return "";
  }

  /** The command line, for running {@code sheepdog} in process (tests, embedding). */
  public static CommandLine commandLine() {
    return commandLine(System::getenv);
  }

  /** The command line, reading environment variables from {@code environment}. */
  public static CommandLine commandLine(UnaryOperator<String> environment) {
    return new CommandLine(new SheepdogCli(environment)).setCaseInsensitiveEnumValuesAllowed(true);
  }

  /** Where subcommands read environment variables. */
  public UnaryOperator<String> environment() {
    return environment;
  }

  /** Without a command, shows the usage. */
  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  @Option(names = "--log-level", paramLabel = "LEVEL", scope = CommandLine.ScopeType.INHERIT,
      description = "Log level: error, warn, info (default) or debug.")
  void logLevel(String level) {
    String normalized = level.strip().toLowerCase(Locale.ROOT);
    if (!normalized.matches("error|warn|info|debug|trace")) {
      throw new CommandLine.ParameterException(spec.commandLine(),
          "--log-level must be error, warn, info or debug, was '" + level + "'");
    }
    System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", normalized);
  }

  /**
   * A short log format for the command line (time, level, class, message), unless set otherwise
   * with {@code -Dorg.slf4j.simpleLogger.*}. Must run before the first logger is made.
   */
  static void configureLogging() {
    setIfAbsent("org.slf4j.simpleLogger.defaultLogLevel", "info");
    setIfAbsent("org.slf4j.simpleLogger.showDateTime", "true");
    setIfAbsent("org.slf4j.simpleLogger.dateTimeFormat", "HH:mm:ss.SSS");
    setIfAbsent("org.slf4j.simpleLogger.showThreadName", "false");
    setIfAbsent("org.slf4j.simpleLogger.showShortLogName", "true");
    // Jetty's start and stop banners say nothing the gateway does not say itself
    setIfAbsent("org.slf4j.simpleLogger.log.org.eclipse.jetty", "warn");
  }

  private static void setIfAbsent(String key, String value) {
    if (System.getProperty(key) == null) {
      System.setProperty(key, value);
    }
  }

  /** The version of the jar, or "development build" when run from classes. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String version = SheepdogCli.class.getPackage().getImplementationVersion();
      return new String[] {"sheepdog " + (version == null ? "(development build)" : version),
          "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vendor") + ")"};
    }
  }
}
