package dev.sheepdog.gateway.config;

import dev.sheepdog.core.HedgingConfig;
import dev.sheepdog.core.RouteTableStrategy;
import dev.sheepdog.core.RouterSettings;
import dev.sheepdog.core.alert.AlertRules;
import dev.sheepdog.core.cost.BudgetCap;
import dev.sheepdog.gateway.CacheSettings;
import dev.sheepdog.gateway.DeferredSettings;
import dev.sheepdog.gateway.GatewayLimits;
import dev.sheepdog.gateway.TelemetrySettings;
import dev.sheepdog.spi.ModelCatalog;
import dev.sheepdog.spi.ModelId;
import dev.sheepdog.spi.SelectionStrategy;
import dev.sheepdog.spi.TaskType;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * A gateway's YAML file as {@link ConfigLoader} read it: parsed, and checked as a whole, so that
 * every reference resolves. {@link RunningGateway} runs a gateway from it, with the {@link
 * dev.sheepdog.gateway.GatewaySettings} of its server made from the file. See {@code
 * docs/configuration.md} for every key and its default.
 *
 * @param file the file it was loaded from, as named
 * @param server {@code server}: where and how the gateway listens
 * @param auth {@code auth}: client and admin keys, read from the environment
 * @param providers {@code providers}: by name, in file order
 * @param catalog {@code models}
 * @param routes {@code routes}
 * @param settings {@code timeouts}, {@code retry} and {@code circuit}
 * @param hedging {@code hedging}, empty when it is off
 * @param alerts {@code alerts}
 * @param budgets {@code budget.caps}
 * @param deferred {@code deferred}
 * @param state {@code state}: where spend, budgets and deferred requests are kept
 * @param cache {@code cache}: the response cache, {@link CacheSettings#OFF} when absent
 * @param telemetry {@code telemetry}: traces over OTLP, {@link TelemetrySettings#OFF} when absent
 * @param strategies the strategies plug-ins contribute, by name, which {@code routes.strategy} may
 *     name besides the built-in ones
 */
public record ConfigFile(
    String file,
    Server server,
    Auth auth,
    Map<String, Provider> providers,
    ModelCatalog catalog,
    Routes routes,
    RouterSettings settings,
    Optional<HedgingConfig> hedging,
    Alerts alerts,
    List<BudgetCap> budgets,
    Deferred deferred,
    State state,
    CacheSettings cache,
    TelemetrySettings telemetry,
    Map<String, Supplier<? extends SelectionStrategy>> strategies) {

  public ConfigFile {
    Objects.requireNonNull(file, "file");
    Objects.requireNonNull(server, "server");
    Objects.requireNonNull(auth, "auth");
    providers = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(providers));
    Objects.requireNonNull(catalog, "catalog");
    Objects.requireNonNull(routes, "routes");
    Objects.requireNonNull(settings, "settings");
    Objects.requireNonNull(hedging, "hedging");
    Objects.requireNonNull(alerts, "alerts");
    budgets = List.copyOf(budgets);
    Objects.requireNonNull(deferred, "deferred");
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(cache, "cache");
    Objects.requireNonNull(telemetry, "telemetry");
    strategies = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(strategies));
  }

  /** This configuration with another {@code server} section, for command-line overrides. */
  public ConfigFile withServer(Server server) {
    return new ConfigFile(file, server, auth, providers, catalog, routes, settings, hedging, alerts, budgets,
        deferred, state, cache, telemetry, strategies);
  }

  /** This configuration with another {@code state} section. */
  public ConfigFile withState(State state) {
    return new ConfigFile(file, server, auth, providers, catalog, routes, settings, hedging, alerts, budgets,
        deferred, state, cache, telemetry, strategies);
  }

  /**
   * {@code server}.
   *
   * @param host the address to bind
   * @param port the port, 0 for any free one
   * @param maxBodyBytes the largest request body ({@code max_body_size})
   * @param idleTimeout how long a connection may stay silent
   * @param drainTimeout on shutdown, how long requests in flight may take to finish, and the whole stop
   * @param limits {@code max_connections}, {@code max_header_size}, {@code header_timeout}, {@code
   *     body_timeout}, {@code min_request_rate}, {@code min_response_rate}, {@code max_stream_buffer}
   * @param threads {@code threads}: the most threads serving HTTP
   */
  public record Server(String host, int port, long maxBodyBytes, Duration idleTimeout, Duration drainTimeout,
      GatewayLimits limits, int threads) {
    public static final String DEFAULT_HOST = "127.0.0.1";
    public static final int DEFAULT_PORT = 8080;
    public static final long DEFAULT_MAX_BODY_BYTES = 1L << 20;
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofMinutes(5);
    public static final Duration DEFAULT_DRAIN_TIMEOUT = Duration.ofSeconds(30);

    public Server {
      Objects.requireNonNull(host, "host");
      if (port < 0 || port > 65_535) {
        throw new IllegalArgumentException("server.port must be between 0 and 65535, was " + port);
      }
      Objects.requireNonNull(limits, "limits");
    }

    public Server withHost(String host) {
      return new Server(host, port, maxBodyBytes, idleTimeout, drainTimeout, limits, threads);
    }

    public Server withPort(int port) {
      return new Server(host, port, maxBodyBytes, idleTimeout, drainTimeout, limits, threads);
    }
  }

  /**
   * {@code auth}: the keys themselves, read from the variables the file names. {@link
   * #toString()} shows the variables' names only.
   *
   * @param clientKeys from {@code client_keys_env}; empty to accept any client (loopback only)
   * @param adminKey from {@code admin_key_env}; empty to disable the admin endpoints
   */
  public record Auth(List<ConfigNode.Secret> clientKeys, Optional<ConfigNode.Secret> adminKey) {
    public Auth {
      clientKeys = List.copyOf(clientKeys);
      Objects.requireNonNull(adminKey, "adminKey");
    }
  }

  /**
   * One entry of {@code providers}.
   *
   * @param name its name, which models name and which becomes its {@code ProviderId}
   * @param type its {@code type}
   * @param prepared builds it when the gateway starts
   */
  public record Provider(String name, String type, PreparedProvider prepared) {
    public Provider {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(type, "type");
      Objects.requireNonNull(prepared, "prepared");
    }

    @Override
    public String toString() {
      return name + " (" + type + ", " + prepared.describe() + ")";
    }
  }

  /**
   * {@code routes}.
   *
   * @param strategy the strategy's name: {@code route-table}, {@code cost}, {@code latency},
   *     {@code latency-tier}, or several joined with {@code +}
   * @param table the route table ({@code routes.table}, or the tutorial's when absent)
   * @param fallbacks for a model a client names, the models tried after it
   * @param aliases tasks a route alias may name besides those of the table
   */
  public record Routes(String strategy, RouteTableStrategy table, Map<ModelId, List<ModelId>> fallbacks,
      Set<TaskType> aliases) {
    public Routes {
      Objects.requireNonNull(strategy, "strategy");
      Objects.requireNonNull(table, "table");
      fallbacks = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(fallbacks));
      aliases = Set.copyOf(aliases);
    }
  }

  /**
   * {@code alerts}.
   *
   * @param rules the thresholds
   * @param log whether alerts are written to the log ({@code dev.sheepdog.alerts})
   */
  public record Alerts(AlertRules rules, boolean log) {
    public Alerts {
      Objects.requireNonNull(rules, "rules");
    }
  }

  /**
   * {@code deferred}.
   *
   * @param settings {@code deferred.replay} and {@code deferred.callbacks}
   */
  public record Deferred(boolean enabled, int capacity, int retention, int maxPerClient, long maxBytesPerClient,
      DeferredSettings settings) {
    public static final int DEFAULT_MAX_PER_CLIENT = 100;
    public static final long DEFAULT_MAX_BYTES_PER_CLIENT = 16L << 20;

    public Deferred {
      Objects.requireNonNull(settings, "settings");
    }

    /** Automatic replay with the default policy, no callbacks, and these sizes. */
    public Deferred(boolean enabled, int capacity, int retention, int maxPerClient, long maxBytesPerClient) {
      this(enabled, capacity, retention, maxPerClient, maxBytesPerClient, DeferredSettings.AUTOMATIC);
    }
  }

  /**
   * {@code state}.
   *
   * @param store {@code file} (the default: one SQLite file under {@code path}), {@code memory}, or
   *     {@code redis} (shared by several instances)
   * @param path the directory of the file store, resolved against the working directory
   * @param maxSizeBytes the largest the state file may grow ({@code max_size}); 0 for no cap
   * @param commitInterval how often spend is written ({@code commit_interval}): what a crash may lose
   * @param redis where the shared store is and how it behaves when slow; {@code null} unless {@code
   *     store: redis}
   * @param fleet how a shared store's instances fall back when it cannot be reached
   */
  public record State(Store store, java.nio.file.Path path, long maxSizeBytes, java.time.Duration commitInterval,
      dev.sheepdog.state.redis.RedisSettings redis, dev.sheepdog.core.FleetSettings fleet) {
    public static final java.nio.file.Path DEFAULT_PATH = java.nio.file.Path.of("sheepdog-state");
    public static final java.time.Duration DEFAULT_COMMIT_INTERVAL = java.time.Duration.ofMillis(100);
    public static final State MEMORY = new State(Store.MEMORY, DEFAULT_PATH, 0, DEFAULT_COMMIT_INTERVAL);

    public State {
      Objects.requireNonNull(store, "store");
      path = path.toAbsolutePath().normalize();
      Objects.requireNonNull(commitInterval, "commitInterval");
      Objects.requireNonNull(fleet, "fleet");
      if ((store == Store.REDIS) != (redis != null)) {
        throw new IllegalArgumentException("redis settings are given exactly when the store is redis");
      }
    }

    public State(Store store, java.nio.file.Path path, long maxSizeBytes, java.time.Duration commitInterval) {
      this(store, path, maxSizeBytes, commitInterval, null, dev.sheepdog.core.FleetSettings.DEFAULTS);
    }

    /** The file store in {@code directory}. */
    public static State file(java.nio.file.Path directory) {
      return new State(Store.FILE, directory, 0, DEFAULT_COMMIT_INTERVAL);
    }

    /** The store several instances share, on the Redis {@code redis} names. */
    public static State redis(dev.sheepdog.state.redis.RedisSettings redis, dev.sheepdog.core.FleetSettings fleet) {
      return new State(Store.REDIS, DEFAULT_PATH, 0, DEFAULT_COMMIT_INTERVAL, redis, fleet);
    }

    /** Where state lives. */
    public enum Store {
      FILE,
      MEMORY,
      REDIS
    }
  }
}
