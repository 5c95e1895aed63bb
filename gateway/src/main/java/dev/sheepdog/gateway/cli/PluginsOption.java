package dev.sheepdog.gateway.cli;

import dev.sheepdog.gateway.plugin.Plugins;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --plugins DIR}, shared by {@code serve} and {@code check-config}. */
final class PluginsOption {
  @Option(names = "--plugins", paramLabel = "DIR",
      description = "Load plug-in jars from this directory (default: ./plugins, when it exists). Plug-ins on the "
          + "classpath are always loaded.")
  Path directory;

  /** The plug-ins on the classpath and in the directory given, or in {@code ./plugins} when there is one. */
  Plugins load() {
    Path chosen = directory;
    if (chosen == null && Files.isDirectory(Plugins.DEFAULT_DIRECTORY)) {
      chosen = Plugins.DEFAULT_DIRECTORY;
    }
    return Plugins.load(PluginsOption.class.getClassLoader(), chosen);
  }
}
