package dev.sheepdog.gateway.cli;

import dev.sheepdog.gateway.config.ConfigException;
import dev.sheepdog.gateway.config.ConfigFile;
import dev.sheepdog.gateway.config.ConfigLoader;
import dev.sheepdog.gateway.config.RunningGateway;
import dev.sheepdog.gateway.plugin.PluginException;
import dev.sheepdog.gateway.plugin.Plugins;
import dev.sheepdog.state.sqlite.StateStoreException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code sheepdog serve --config FILE}: runs the gateway until the process is stopped. On SIGTERM
 * or Ctrl-C it stops accepting, lets requests in flight finish up to {@code
 * server.drain_timeout}, then exits.
 */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    description = {
        "Starts the gateway from a YAML configuration file and serves until stopped.",
        "",
        "Clients use it as an OpenAI base URL: http://HOST:PORT/v1. On SIGTERM or Ctrl-C, new requests are "
            + "refused while those in flight finish (up to server.drain_timeout), then the process exits."})
final class ServeCommand implements Callable<Integer> {
  @ParentCommand
  SheepdogCli root;

  @Spec
  CommandSpec spec;

  @Option(names = {"-c", "--config"}, required = true, paramLabel = "FILE",
      description = "The YAML configuration file (see docs/configuration.md).")
  Path config;

  @Option(names = "--port", paramLabel = "PORT", description = "Listen on this port instead of server.port (0: any free port).")
  Integer port;

  @Option(names = "--host", paramLabel = "HOST", description = "Bind this address instead of server.host.")
  String host;

  @Mixin
  PluginsOption plugins;

  @Override
  public Integer call() throws InterruptedException {
    Logger log = LoggerFactory.getLogger(ServeCommand.class);
    Plugins loadedPlugins;
    try {
      loadedPlugins = plugins.load();
    } catch (PluginException e) {
      spec.commandLine().getErr().println("sheepdog: " + e.getMessage());
      spec.commandLine().getErr().flush();
      return SheepdogCli.EXIT_FAILED;
    }
    loadedPlugins.contributions().forEach(contribution -> log.info("Plug-in {}", contribution));
    ConfigFile loaded;
    try {
      loaded = loadedPlugins.configure(ConfigLoader.create().withEnvironment(root.environment())).load(config);
    } catch (ConfigException e) {
      CheckConfigCommand.printProblems(spec.commandLine().getErr(), e.problems());
      return SheepdogCli.EXIT_FAILED;
    }
    ConfigFile.Server server = loaded.server();
    if (port != null) {
      server = server.withPort(port);
    }
    if (host != null) {
      server = server.withHost(host);
    }
    RunningGateway gateway;
    try {
      gateway = RunningGateway.start(loaded.withServer(server));
    } catch (StateStoreException e) {
      // one line that names the file and the fix; its causes would only repeat it in SQLite's words
      spec.commandLine().getErr().println("sheepdog: " + e.getMessage());
      spec.commandLine().getErr().flush();
      return SheepdogCli.EXIT_FAILED;
    } catch (RuntimeException e) {
      spec.commandLine().getErr().println("sheepdog: the gateway could not start: " + describe(e));
      spec.commandLine().getErr().flush();
      return SheepdogCli.EXIT_FAILED;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    ConfigFile.Server serving = server;
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      log.info("Stopping: refusing new requests, draining those in flight for up to {} ms",
          serving.drainTimeout().toMillis());
      try {
        gateway.close();
        log.info("Stopped");
      } catch (RuntimeException e) {
        log.warn("The gateway did not stop cleanly: {}", describe(e));
      } finally {
        stopped.countDown();
      }
    }, "sheepdog-shutdown"));
    JvmSettings jvm = JvmSettings.current();
    log.info("JVM: {}", jvm.describe());
    jvm.advice().ifPresent(advice -> log.warn("JVM: {}", advice));
    log.info("Sheepdog is ready: OpenAI base URL {}/v1 (config {}; state {})", gateway.uri(), config,
        gateway.state().describe());
    stopped.await();
    return 0;
  }

  private static String describe(Throwable e) {
    StringBuilder text = new StringBuilder(String.valueOf(e.getMessage()));
    for (Throwable cause = e.getCause(); cause != null && cause != cause.getCause(); cause = cause.getCause()) {
      text.append(": ").append(cause.getMessage());
    }
    return text.toString();
  }
}
