package dev.sheepdog.gateway.cli;

import dev.sheepdog.core.deferred.ReplayPolicy;
import dev.sheepdog.gateway.DeferredSettings;
import dev.sheepdog.gateway.config.ConfigException;
import dev.sheepdog.gateway.config.ConfigFile;
import dev.sheepdog.gateway.config.ConfigLoader;
import dev.sheepdog.gateway.config.ConfigProblem;
import dev.sheepdog.gateway.plugin.PluginException;
import dev.sheepdog.gateway.plugin.Plugins;
import dev.sheepdog.spi.ModelSpec;
import dev.sheepdog.spi.Priority;
import dev.sheepdog.spi.TaskType;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code sheepdog check-config FILE}: loads and checks a configuration, starts nothing. */
@Command(
    name = "check-config",
    mixinStandardHelpOptions = true,
    description = {
        "Checks a configuration file without starting anything.",
        "",
        "Checks the YAML syntax, every key and value, the environment variables it names, and that models, "
            + "providers, routes and fallbacks refer to each other. Prints a summary and exits with 0 when the "
            + "file is valid; prints every problem found (file:line: field: message) and exits with 1 when it "
            + "is not."})
final class CheckConfigCommand implements Callable<Integer> {
  @ParentCommand
  SheepdogCli root;

  @Spec
  CommandSpec spec;

  @Parameters(index = "0", paramLabel = "FILE", description = "The YAML configuration file, such as gateway.yaml.")
  Path file;

  @Mixin
  PluginsOption plugins;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Plugins loaded;
    try {
      loaded = plugins.load();
    } catch (PluginException e) {
      err.println("sheepdog: " + e.getMessage());
      err.flush();
      return SheepdogCli.EXIT_FAILED;
    }
    ConfigFile config;
    try {
      config = loaded.configure(ConfigLoader.create().withEnvironment(root.environment())).load(file);
    } catch (ConfigException e) {
      printProblems(err, e.problems());
      return SheepdogCli.EXIT_FAILED;
    }
    out.println(file + " is valid.");
    printSummary(out, config);
    printPlugins(out, loaded);
    out.flush();
    return 0;
  }

  private static void printPlugins(PrintWriter out, Plugins plugins) {
    out.printf("  plug-ins   %s%n", plugins.contributions().isEmpty() ? "none" : plugins.contributions().size());
    for (Plugins.Contribution contribution : plugins.contributions()) {
      out.printf("    %-22s %s%n", contribution.plugin(), contribution.source());
      out.printf("    %-22s provider types: %s%n", "", contribution.providerTypes().isEmpty() ? "none"
          : String.join(", ", contribution.providerTypes()));
      out.printf("    %-22s strategies: %s%n", "", contribution.strategies().isEmpty() ? "none"
          : String.join(", ", contribution.strategies()));
    }
  }

  static void printProblems(PrintWriter err, List<ConfigProblem> problems) {
    problems.forEach(err::println);
    err.println(problems.size() == 1 ? "1 problem found." : problems.size() + " problems found.");
    err.flush();
  }

  private static String usd(java.math.BigDecimal amount) {
    java.math.BigDecimal plain = amount.stripTrailingZeros();
    return plain.setScale(Math.max(2, plain.scale())).toPlainString();
  }

  static void printSummary(PrintWriter out, ConfigFile config) {
    ConfigFile.Server server = config.server();
    out.printf("  server     %s:%d, bodies up to %d bytes, drain timeout %d ms%n", server.host(), server.port(),
        server.maxBodyBytes(), server.drainTimeout().toMillis());
    out.printf("  auth       %s; admin endpoints %s%n",
        config.auth().clientKeys().isEmpty() ? "no client keys (any client, loopback only)"
            : config.auth().clientKeys().size() + " client key(s) from " + config.auth().clientKeys().stream()
                .map(key -> key.variable()).collect(Collectors.joining(", ")),
        config.auth().adminKey().map(key -> "on (key from " + key.variable() + ")").orElse("off"));
    out.printf("  providers  %d%n", config.providers().size());
    config.providers().values().stream().sorted((a, b) -> a.name().compareTo(b.name()))
        .forEach(p -> out.printf("    %-22s %s, %s%n", p.name(), p.type(), p.prepared().describe()));
    out.printf("  models     %d%n", config.catalog().size());
    for (ModelSpec model : config.catalog().models()) {
      out.printf("    %-32s %s, $%s / $%s per 1M tokens, %s rpm, %s tpm, %s%n", model.id(), model.provider(),
          usd(model.price().inputUsdPerMillion()), usd(model.price().outputUsdPerMillion()),
          model.limits().requestsPerMinute() == 0 ? "unlimited" : model.limits().requestsPerMinute(),
          model.limits().tokensPerMinute() == 0 ? "unlimited" : model.limits().tokensPerMinute(),
          model.tier().name().toLowerCase(java.util.Locale.ROOT));
    }
    out.printf("  routes     strategy %s%n", config.routes().strategy());
    for (TaskType task : config.routes().table().tasks()) {
      for (Priority priority : Priority.values()) {
        out.printf("    %-28s %s%n", task + ":" + priority.wireName(), config.routes().table().row(task, priority)
            .stream().map(Object::toString).collect(Collectors.joining(" → ")));
      }
    }
    for (Map.Entry<?, ? extends List<?>> fallback : config.routes().fallbacks().entrySet()) {
      out.printf("    %-28s %s%n", "model=" + fallback.getKey(), fallback.getKey() + " → " + fallback.getValue().stream()
          .map(Object::toString).collect(Collectors.joining(" → ")));
    }
    out.printf("  state      %s%n", describe(config.state()));
    out.printf("  deferred   %s%n", describe(config.deferred()));
    out.printf("  cache      %s%n", describe(config.cache()));
    out.printf("  telemetry  %s%n", config.telemetry().describe());
  }

  private static String describe(dev.sheepdog.gateway.CacheSettings cache) {
    if (!cache.enabled()) {
      return "off";
    }
    return (cache.routes().isEmpty() ? "requests that send X-Sheepdog-Cache: on"
        : "temperature 0 on " + (cache.routes().contains(dev.sheepdog.gateway.CacheSettings.ALL_ROUTES) ? "every route" : "routes "
            + String.join(", ", new java.util.TreeSet<>(cache.routes()))) + ", and requests that ask")
        + "; answers kept " + cache.ttl().toSeconds() + " s, up to " + cache.maxBytes() + " bytes, "
        + (cache.shared() ? "shared by all clients" : "per client key");
  }

  static String describe(ConfigFile.State state) {
    return switch (state.store()) {
      case MEMORY -> "memory: spend, budgets and deferred requests are lost on restart";
      case FILE -> "file " + state.path().resolve("state.db") + " (SQLite; spend written every "
          + state.commitInterval().toMillis() + " ms"
          + (state.maxSizeBytes() > 0 ? ", at most " + state.maxSizeBytes() + " bytes" : "") + ")";
      case REDIS -> "redis " + state.redis().uri() + (state.redis().usesTls() ? " (TLS)" : "")
          + (state.redis().password() != null ? ", password from the environment" : "") + ", prefix "
          + state.redis().prefix() + ": limits, budgets, circuits and deferred requests shared by "
          + state.fleet().instances() + (state.fleet().instances() == 1 ? " instance" : " instances")
          + "; requests wait at most " + state.redis().hotPathTimeout().toMillis() + " ms for it, then use "
          + (state.fleet().instances() == 1 ? "the whole" : "1/" + state.fleet().instances() + " of each")
          + " limit and " + (state.fleet().onStoreFailure() == dev.sheepdog.core.FleetSettings.OnStoreFailure.REJECT
              ? "reject requests under a daily cap" : "count spend locally");
    };
  }

  private static String describe(ConfigFile.Deferred deferred) {
    if (!deferred.enabled()) {
      return "off";
    }
    DeferredSettings settings = deferred.settings();
    ReplayPolicy policy = settings.policy();
    return "up to " + deferred.capacity() + " queued (" + deferred.maxPerClient() + " per client); "
        + (settings.autoReplay()
            ? "replayed on their own, backoff " + policy.initialBackoff().toSeconds() + " s to "
                + policy.maxBackoff().toSeconds() + " s, " + policy.maxReplays() + " attempts, lease "
                + policy.lease().toSeconds() + " s"
            : "replayed by the admin API only")
        + "; callbacks " + (settings.callbacksEnabled() ? "to " + String.join(", ", settings.callbackHosts()) : "off");
  }
}
