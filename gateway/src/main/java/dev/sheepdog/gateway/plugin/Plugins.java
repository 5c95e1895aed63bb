package dev.sheepdog.gateway.plugin;

import dev.sheepdog.gateway.config.ConfigLoader;
import dev.sheepdog.gateway.config.ProviderFactory;
import dev.sheepdog.gateway.config.ProviderTypes;
import dev.sheepdog.gateway.config.Strategies;
import dev.sheepdog.spi.SelectionStrategy;
import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * The plug-ins a gateway runs with and what each contributed. {@link #load} finds them with
 * {@link ServiceLoader}: on the classpath, then in each {@code .jar} of a directory (in name
 * order), each jar in a class loader of its own whose parent is the gateway's. {@link #configure}
 * hands their provider types and strategies to a {@link ConfigLoader}, which checks a file's {@code
 * type} and {@code routes.strategy} against them and carries them to the gateway.
 *
 * <pre>{@code
 * Plugins plugins = Plugins.load(Plugins.class.getClassLoader(), Path.of("plugins"));
 * ConfigFile config = plugins.configure(ConfigLoader.create()).load(Path.of("gateway.yaml"));
 * }</pre>
 *
 * Every problem is a {@link PluginException} naming the jar or the plug-in: a directory that is
 * not one, a jar that declares no plug-in or one that cannot be instantiated, a plug-in whose
 * {@code register} throws, a provider type or strategy name already taken (by the gateway or by
 * another plug-in, both named).
 */
public final class Plugins {
  /** The directory {@code serve} and {@code check-config} read when {@code --plugins} is not given, if it exists. */
  public static final Path DEFAULT_DIRECTORY = Path.of("plugins");

  /**
   * What one plug-in contributed.
   *
   * @param plugin its {@link SheepdogPlugin#name()}
   * @param source where it was found: {@code classpath}, the jar's path, or {@code code}
   * @param providerTypes the provider types it registered, in order
   * @param strategies the strategy names it registered, in order
   */
  public record Contribution(String plugin, String source, List<String> providerTypes, List<String> strategies) {
    public Contribution {
      Objects.requireNonNull(plugin, "plugin");
      Objects.requireNonNull(source, "source");
      providerTypes = List.copyOf(providerTypes);
      strategies = List.copyOf(strategies);
    }

    /** {@code acme (plugins/acme.jar): provider types acme; strategies prefer-tagged}. */
    @Override
    public String toString() {
      return plugin + " (" + source + "): provider types " + (providerTypes.isEmpty() ? "none"
          : String.join(", ", providerTypes)) + "; strategies " + (strategies.isEmpty() ? "none"
          : String.join(", ", strategies));
    }
  }

  private final List<Contribution> contributions;
  private final ProviderTypes providerTypes;
  private final Map<String, Supplier<? extends SelectionStrategy>> strategies;

  private Plugins(List<Contribution> contributions, ProviderTypes providerTypes,
      Map<String, Supplier<? extends SelectionStrategy>> strategies) {
    this.contributions = List.copyOf(contributions);
    this.providerTypes = providerTypes;
    this.strategies = Collections.unmodifiableMap(strategies);
  }

  /** No plug-in: the built-in provider types and strategies only. */
  public static Plugins none() {
    return of();
  }

  /** These plug-ins, as if found on the classpath; for embedding and tests. */
  public static Plugins of(SheepdogPlugin... plugins) {
    Collecting collecting = new Collecting();
    for (SheepdogPlugin plugin : plugins) {
      collecting.add(plugin, "code");
    }
    return collecting.done();
  }

  /**
   * The plug-ins on {@code classpath} and in the jars of {@code directory} ({@code null} for none).
   *
   * @throws PluginException if {@code directory} is given and is not a directory, or for any of the
   *     problems listed above
   */
  public static Plugins load(ClassLoader classpath, Path directory) {
    Objects.requireNonNull(classpath, "classpath");
    Collecting collecting = new Collecting();
    for (SheepdogPlugin plugin : instances(ServiceLoader.load(SheepdogPlugin.class, classpath), "the classpath")) {
      collecting.add(plugin, "classpath");
    }
    if (directory != null) {
      for (Path jar : jars(directory)) {
        URLClassLoader loader = new URLClassLoader("sheepdog-plugin:" + jar.getFileName(), new URL[] {url(jar)},
            classpath);
        List<SheepdogPlugin> found = instances(ServiceLoader.load(SheepdogPlugin.class, loader), jar.toString())
            .stream().filter(plugin -> plugin.getClass().getClassLoader() == loader).toList();
        if (found.isEmpty()) {
          throw new PluginException(jar + " declares no plug-in: a plug-in jar lists its classes in META-INF/services/"
              + SheepdogPlugin.class.getName());
        }
        found.forEach(plugin -> collecting.add(plugin, jar.toString()));
      }
    }
    return collecting.done();
  }

  /** The built-in provider types and strategies, then the plug-ins' ones, given to {@code loader}. */
  public ConfigLoader configure(ConfigLoader loader) {
    return loader.withProviderTypes(providerTypes).withStrategies(strategies);
  }

  /** What each plug-in contributed, in the order they were found. */
  public List<Contribution> contributions() {
    return contributions;
  }

  /** The built-in provider types and those of the plug-ins. */
  public ProviderTypes providerTypes() {
    return providerTypes;
  }

  /** The plug-ins' strategies, by name. */
  public Map<String, Supplier<? extends SelectionStrategy>> strategies() {
    return strategies;
  }

  private static List<Path> jars(Path directory) {
    if (!Files.isDirectory(directory)) {
      throw new PluginException("plug-in directory " + directory + " does not exist or is not a directory");
    }
    try (Stream<Path> files = Files.list(directory)) {
      return files.filter(file -> file.getFileName().toString().endsWith(".jar") && Files.isRegularFile(file))
          .sorted().toList();
    } catch (IOException e) {
      throw new PluginException("cannot list the plug-in directory " + directory + ": " + e.getMessage(), e);
    }
  }

  private static URL url(Path jar) {
    try {
      return jar.toUri().toURL();
    } catch (MalformedURLException e) {
      throw new PluginException("cannot read the plug-in jar " + jar + ": " + e.getMessage(), e);
    }
  }

  private static List<SheepdogPlugin> instances(ServiceLoader<SheepdogPlugin> loader, String where) {
    List<SheepdogPlugin> plugins = new ArrayList<>();
    try {
      loader.forEach(plugins::add);
    } catch (ServiceConfigurationError | LinkageError e) {
      throw new PluginException("a plug-in in " + where + " cannot be loaded: " + e.getMessage(), e);
    }
    return plugins;
  }

  /** Takes each plug-in's registrations, refusing a name already taken. */
  private static final class Collecting {
    private final List<Contribution> contributions = new ArrayList<>();
    private final Map<String, String> typeOwners = new LinkedHashMap<>();
    private final Map<String, String> strategyOwners = new LinkedHashMap<>();
    private final Map<String, Supplier<? extends SelectionStrategy>> strategies = new LinkedHashMap<>();
    private ProviderTypes types = ProviderTypes.builtIn();

    Collecting() {
      types.names().forEach(type -> typeOwners.put(type, "the gateway"));
      Strategies.builtInNames().forEach(name -> strategyOwners.put(name, "the gateway"));
    }

    void add(SheepdogPlugin plugin, String source) {
      String name;
      try {
        name = Objects.requireNonNull(plugin.name(), "name()");
      } catch (RuntimeException e) {
        throw new PluginException("the plug-in " + plugin.getClass().getName() + " from " + source
            + " has no name: " + e.getMessage(), e);
      }
      String who = "plug-in " + name + " (" + source + ")";
      List<String> addedTypes = new ArrayList<>();
      List<String> addedStrategies = new ArrayList<>();
      SheepdogPlugin.Registrar registrar = new SheepdogPlugin.Registrar() {
        @Override
        public SheepdogPlugin.Registrar providerType(String type, ProviderFactory factory) {
          requireName(type, "provider type", who);
          Objects.requireNonNull(factory, "factory of provider type " + type);
          claim(typeOwners, type, who, "provider type");
          types = types.with(type, factory);
          addedTypes.add(type);
          return this;
        }

        @Override
        public SheepdogPlugin.Registrar strategy(String strategy, Supplier<? extends SelectionStrategy> factory) {
          requireName(strategy, "strategy", who);
          if (strategy.contains("+")) {
            throw new PluginException(who + " registers the strategy '" + strategy + "': + joins strategies, a "
                + "name may not contain it");
          }
          Objects.requireNonNull(factory, "factory of strategy " + strategy);
          claim(strategyOwners, strategy, who, "strategy");
          strategies.put(strategy, factory);
          addedStrategies.add(strategy);
          return this;
        }
      };
      try {
        plugin.register(registrar);
      } catch (PluginException e) {
        throw e;
      } catch (RuntimeException e) {
        throw new PluginException(who + " failed to register: " + e, e);
      }
      contributions.add(new Contribution(name, source, addedTypes, addedStrategies));
    }

    private static void requireName(String name, String what, String who) {
      if (name == null || name.isBlank() || !name.strip().equals(name)) {
        throw new PluginException(who + " registers a " + what + " without a proper name: '" + name + "'");
      }
    }

    private static void claim(Map<String, String> owners, String name, String who, String what) {
      String owner = owners.putIfAbsent(name, who);
      if (owner != null) {
        throw new PluginException(who + " registers the " + what + " " + name + ", which " + owner
            + " already has");
      }
    }

    Plugins done() {
      return new Plugins(contributions, types, new LinkedHashMap<>(strategies));
    }
  }
}
