package dev.sheepdog.gateway;

import dev.sheepdog.spi.ModelId;
import dev.sheepdog.spi.TaskType;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The settings of one {@link GatewayServer}: where it listens, whom it lets in, what one request
 * and one client may cost it, and how it routes the names clients give. A value, built in code
 * with {@link #builder()}; a gateway run from its YAML file has them made from the file.
 *
 * @param host the address to bind; without client keys only a loopback address is allowed
 * @param port the port, or 0 for a free one
 * @param maxBodyBytes the largest request body accepted; larger ones get a 413
 * @param clientKeys the Bearer keys clients authenticate with; empty to accept any client
 * @param adminKey the Bearer key of the admin endpoints, or {@code null} to disable them
 * @param fallbacks for a model a client names, the models tried after it, in order
 * @param routes the tasks a route alias ({@code task:priority}) may name
 * @param deadline how long one request may take, or {@code null} for the router's default
 * @param idleTimeout how long a connection may stay silent, streams included
 * @param drainTimeout on close, how long requests in flight may take to finish, and the whole close
 * @param limits what one client may cost in connections, bytes and time
 * @param threads the most threads serving HTTP (Jetty's pool, its selectors and acceptor included):
 *     handlers never wait on an upstream, so a few dozen carry thousands of connections
 * @param deferred how deferred requests are replayed and their answers posted to clients
 * @param cache the response cache; {@link CacheSettings#OFF} for none
 */
public record GatewaySettings(
    String host,
    int port,
    long maxBodyBytes,
    Set<String> clientKeys,
    String adminKey,
    Map<ModelId, List<ModelId>> fallbacks,
    Set<TaskType> routes,
    Duration deadline,
    Duration idleTimeout,
    Duration drainTimeout,
    GatewayLimits limits,
    int threads,
    DeferredSettings deferred,
    CacheSettings cache) {

  /** Enough for the selectors, the acceptor and the work of thousands of connections in flight. */
  public static final int DEFAULT_THREADS = 32;


  public GatewaySettings {
    Objects.requireNonNull(host, "host");
    if (port < 0 || port > 65_535) {
      throw new IllegalArgumentException("port must be between 0 and 65535, was " + port);
    }
    if (maxBodyBytes < 1) {
      throw new IllegalArgumentException("maxBodyBytes must be positive, was " + maxBodyBytes);
    }
    clientKeys = Set.copyOf(Objects.requireNonNull(clientKeys, "clientKeys"));
    for (String key : clientKeys) {
      if (key.isBlank()) {
        throw new IllegalArgumentException("clientKeys must not contain a blank key");
      }
    }
    if (adminKey != null && adminKey.isBlank()) {
      throw new IllegalArgumentException("adminKey must not be blank");
    }
    if (clientKeys.isEmpty() && !isLoopback(host)) {
      // an open gateway spends the operator's upstream credit for anyone who can reach it
      throw new IllegalArgumentException("host " + host
          + " is not a loopback address: serving without clientKeys is only allowed on loopback");
    }
    Map<ModelId, List<ModelId>> copy = new LinkedHashMap<>();
    Objects.requireNonNull(fallbacks, "fallbacks").forEach((model, next) -> copy.put(model, List.copyOf(next)));
    fallbacks = Map.copyOf(copy);
    routes = Set.copyOf(Objects.requireNonNull(routes, "routes"));
    if (deadline != null && (deadline.isNegative() || deadline.isZero())) {
      throw new IllegalArgumentException("deadline must be positive, was " + deadline);
    }
    Objects.requireNonNull(idleTimeout, "idleTimeout");
    if (idleTimeout.isNegative() || idleTimeout.isZero()) {
      throw new IllegalArgumentException("idleTimeout must be positive, was " + idleTimeout);
    }
    Objects.requireNonNull(drainTimeout, "drainTimeout");
    if (drainTimeout.isNegative()) {
      throw new IllegalArgumentException("drainTimeout must not be negative, was " + drainTimeout);
    }
    Objects.requireNonNull(limits, "limits");
    if (threads < 8) {
      // the acceptor, the selectors and Jetty's reserved threads come out of the same pool
      throw new IllegalArgumentException("threads must be at least 8, was " + threads);
    }
    Objects.requireNonNull(deferred, "deferred");
    Objects.requireNonNull(cache, "cache");
  }

  static boolean isLoopback(String host) {
    return host.equals("localhost") || host.startsWith("127.") || host.equals("::1") || host.equals("[::1]");
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Starts from loopback, a free port, 1 MiB bodies, no keys, no fallbacks, the four built-in tasks,
   * a 5 minute idle timeout, a 30 second drain and the {@linkplain GatewayLimits#defaults() default
   * limits}.
   */
  public static final class Builder {
    private String host = "127.0.0.1";
    private int port;
    private long maxBodyBytes = 1 << 20;
    private final Set<String> clientKeys = new LinkedHashSet<>();
    private String adminKey;
    private final Map<ModelId, List<ModelId>> fallbacks = new LinkedHashMap<>();
    private final Set<TaskType> routes = new LinkedHashSet<>(List.of(TaskType.SIMPLE_QA, TaskType.CODE_GENERATION,
        TaskType.COMPLEX_REASONING, TaskType.GENERAL));
    private Duration deadline;
    private Duration idleTimeout = Duration.ofMinutes(5);
    private Duration drainTimeout = Duration.ofSeconds(30);
    private GatewayLimits.Builder limits = GatewayLimits.builder(GatewayLimits.defaults());
    private int threads = DEFAULT_THREADS;
    private DeferredSettings deferred = DeferredSettings.MANUAL;
    private CacheSettings cache = CacheSettings.OFF;

    private Builder() {}

    public Builder host(String host) {
      this.host = host;
      return this;
    }

    public Builder port(int port) {
      this.port = port;
      return this;
    }

    public Builder maxBodyBytes(long maxBodyBytes) {
      this.maxBodyBytes = maxBodyBytes;
      return this;
    }

    public Builder clientKey(String key) {
      clientKeys.add(Objects.requireNonNull(key, "client key"));
      return this;
    }

    public Builder adminKey(String adminKey) {
      this.adminKey = adminKey;
      return this;
    }

    /** When a client names {@code model}, these are tried after it. */
    public Builder fallbacks(String model, String... next) {
      List<ModelId> ids = new java.util.ArrayList<>();
      for (String id : next) {
        ids.add(ModelId.of(id));
      }
      if (fallbacks.putIfAbsent(ModelId.of(model), ids) != null) {
        throw new IllegalStateException("fallbacks for " + model + " are given twice");
      }
      return this;
    }

    /** A task route aliases may name besides the built-in ones. */
    public Builder route(String task) {
      routes.add(TaskType.of(task));
      return this;
    }

    public Builder deadline(Duration deadline) {
      this.deadline = deadline;
      return this;
    }

    public Builder idleTimeout(Duration idleTimeout) {
      this.idleTimeout = idleTimeout;
      return this;
    }

    public Builder drainTimeout(Duration drainTimeout) {
      this.drainTimeout = drainTimeout;
      return this;
    }

    /** Every limit at once; the setters below change one of them. */
    public Builder limits(GatewayLimits limits) {
      this.limits = GatewayLimits.builder(limits);
      return this;
    }

    /** @see GatewayLimits#maxConnections() */
    public Builder maxConnections(int maxConnections) {
      limits.maxConnections(maxConnections);
      return this;
    }

    /** @see GatewayLimits#maxHeaderBytes() */
    public Builder maxHeaderBytes(int maxHeaderBytes) {
      limits.maxHeaderBytes(maxHeaderBytes);
      return this;
    }

    /** @see GatewayLimits#headerTimeout() */
    public Builder headerTimeout(Duration headerTimeout) {
      limits.headerTimeout(headerTimeout);
      return this;
    }

    /** @see GatewayLimits#bodyTimeout() */
    public Builder bodyTimeout(Duration bodyTimeout) {
      limits.bodyTimeout(bodyTimeout);
      return this;
    }

    /** @see GatewayLimits#minRequestBytesPerSecond() */
    public Builder minRequestBytesPerSecond(long rate) {
      limits.minRequestBytesPerSecond(rate);
      return this;
    }

    /** @see GatewayLimits#minResponseBytesPerSecond() */
    public Builder minResponseBytesPerSecond(long rate) {
      limits.minResponseBytesPerSecond(rate);
      return this;
    }

    /** @see GatewayLimits#maxStreamBufferBytes() */
    public Builder maxStreamBufferBytes(long bytes) {
      limits.maxStreamBufferBytes(bytes);
      return this;
    }

    /** @see GatewaySettings#threads() */
    public Builder threads(int threads) {
      this.threads = threads;
      return this;
    }

    /** @see GatewaySettings#deferred(); {@link DeferredSettings#MANUAL} unless given. */
    public Builder deferred(DeferredSettings deferred) {
      this.deferred = deferred;
      return this;
    }

    /** @see GatewaySettings#cache(); {@link CacheSettings#OFF} unless given. */
    public Builder cache(CacheSettings cache) {
      this.cache = cache;
      return this;
    }

    public GatewaySettings build() {
      return new GatewaySettings(host, port, maxBodyBytes, clientKeys, adminKey, fallbacks, routes, deadline,
          idleTimeout, drainTimeout, limits.build(), threads, deferred, cache);
    }
  }
}
