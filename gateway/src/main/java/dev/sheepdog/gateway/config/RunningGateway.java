package dev.sheepdog.gateway.config;

import com.google.inject.CreationException;
import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.Key;
import com.google.inject.Module;
import com.google.inject.ProvisionException;
import com.google.inject.Stage;
import com.google.inject.TypeLiteral;
import com.google.inject.spi.Message;
import com.google.inject.util.Modules;
import dev.sheepdog.adapter.sandbox.SandboxProvider;
import dev.sheepdog.core.Router;
import dev.sheepdog.core.deferred.DeferredQuota;
import dev.sheepdog.core.deferred.InMemoryDeferredQueue;
import dev.sheepdog.core.state.InMemoryStateStore;
import dev.sheepdog.gateway.GatewayMetrics;
import dev.sheepdog.gateway.GatewayServer;
import dev.sheepdog.gateway.GatewaySettings;
import dev.sheepdog.gateway.GatewayTracing;
import dev.sheepdog.spi.ChatProvider;
import dev.sheepdog.spi.DeferredQueue;
import dev.sheepdog.spi.ProviderId;
import dev.sheepdog.spi.RouterListener;
import dev.sheepdog.spi.Scheduler;
import dev.sheepdog.spi.StateStore;
import dev.sheepdog.spi.Ticker;
import dev.sheepdog.state.redis.RedisStateStore;
import dev.sheepdog.state.sqlite.SqliteStateStore;
import java.net.URI;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A gateway running from a {@link ConfigFile}: the injector of its {@link GatewayModule} (its
 * providers, a {@link Router} with {@link GatewayMetrics} listening, the state store, the deferred
 * queue, logged alerts, budgets and hedging) and the {@link GatewayServer} in front of it.
 *
 * <pre>{@code
 * ConfigFile config = ConfigLoader.create().load(Path.of("gateway.yaml"));
 * try (RunningGateway gateway = RunningGateway.start(config)) {
 *   System.out.println("serving on " + gateway.uri());
 * }
 * }</pre>
 *
 * {@link #close()} stops accepting, lets requests in flight finish up to {@code
 * server.drain_timeout}, then closes the providers.
 */
public final class RunningGateway implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RunningGateway.class);

  private final Injector injector;
  private final Router router;
  private final GatewayServer server;
  private final GatewayMetrics metrics;
  private final DeferredQueue deferred;
  private final StateStore state;
  private final GatewayResources resources;

  private RunningGateway(Injector injector, GatewayServer server, GatewayResources resources) {
    this.injector = injector;
    this.router = injector.getInstance(Router.class);
    this.server = server;
    this.metrics = injector.getInstance(GatewayMetrics.class);
    this.deferred = injector.getInstance(DEFERRED).orElse(null);
    this.state = injector.getInstance(StateStore.class);
    this.resources = resources;
  }

  private static final Key<Optional<DeferredQueue>> DEFERRED = Key.get(new TypeLiteral<Optional<DeferredQueue>>() {});
  private static final Key<Map<ProviderId, ChatProvider>> PROVIDERS =
      Key.get(new TypeLiteral<Map<ProviderId, ChatProvider>>() {});

  /** Starts on the system clock. */
  public static RunningGateway start(ConfigFile config) {
    return start(config, Ticker.system(), Scheduler.system());
  }

  /**
   * Starts with the given clock, which the router and the providers share: builds the injector of
   * {@link GatewayModule} (everything is built now, so a mistake fails here, with its own message),
   * then starts the server. What was opened before a failure is closed.
   */
  public static RunningGateway start(ConfigFile config, Ticker ticker, Scheduler scheduler) {
    return start(config, ticker, scheduler, List.of());
  }

  /**
   * Starts with modules of the embedder's over the file's: their bindings replace the gateway's
   * (a {@code RouterSettings}, a strategy), and their {@code Multibinder}/{@code MapBinder}
   * elements join the gateway's (a {@code RouterListener}, a provider, a named strategy).
   */
  public static RunningGateway start(ConfigFile config, Ticker ticker, Scheduler scheduler,
      List<? extends Module> overrides) {
    Objects.requireNonNull(config, "config");
    GatewayResources resources = new GatewayResources();
    AlertRelay alerts = new AlertRelay();
    Injector injector;
    try {
      injector = Guice.createInjector(Stage.PRODUCTION, Modules.override(
          new GatewayModule(config, ticker, scheduler, resources, alerts)).with(overrides));
    } catch (CreationException | ProvisionException e) {
      RuntimeException cause = causeOf(e);
      resources.closeAfter(cause);
      throw cause;
    } catch (RuntimeException e) {
      resources.closeAfter(e);
      throw e;
    }
    try {
      Router router = injector.getInstance(Router.class);
      StateStore state = injector.getInstance(StateStore.class);
      alerts.attach(router, state);
      List<SandboxProvider> sandboxes = injector.getInstance(PROVIDERS).values().stream()
          .filter(SandboxProvider.class::isInstance).map(SandboxProvider.class::cast).toList();
      GatewayServer server = GatewayServer.start(router, injector.getInstance(GatewaySettings.class),
          injector.getInstance(GatewayMetrics.class), injector.getInstance(DEFERRED).orElse(null), sandboxes,
          injector.getInstance(GatewayTracing.class));
      log.info("State: {}", state.describe());
      return new RunningGateway(injector, server, resources);
    } catch (RuntimeException e) {
      resources.closeAfter(e);
      throw e;
    }
  }

  /**
   * The exception a binding threw, when Guice reports one (perhaps once per binding that needed
   * it): its message names the problem (a model's missing provider, a file that is locked), where
   * Guice's own wrapping would bury it.
   */
  private static RuntimeException causeOf(RuntimeException guice) {
    Collection<Message> messages = guice instanceof CreationException creation ? creation.getErrorMessages()
        : ((ProvisionException) guice).getErrorMessages();
    // a singleton that failed is tried again by each binding that needs it: the same failure, several times
    Set<String> distinct = new HashSet<>();
    Throwable first = null;
    for (Message message : messages) {
      Throwable cause = message.getCause();
      first = first == null ? cause : first;
      distinct.add(cause == null ? message.getMessage() : cause.getClass().getName() + ": " + cause.getMessage());
    }
    if (distinct.size() == 1 && first instanceof RuntimeException cause) {
      return cause;
    }
    return guice;
  }

  /**
   * Opens the state of {@code config}: the SQLite file under {@code state.path}, or memory. A file
   * that is locked by another process, unreadable or corrupt fails with a one-line {@link
   * dev.sheepdog.state.sqlite.StateStoreException} naming the file and the fix.
   */
  public static StateStore openState(ConfigFile config, RouterListener alerts, Ticker ticker) {
    ConfigFile.State state = config.state();
    ConfigFile.Deferred deferred = config.deferred();
    return switch (state.store()) {
      case MEMORY -> new InMemoryStateStore(deferred.capacity(), deferred.retention());
      case REDIS -> RedisStateStore.open(state.redis(), deferred.capacity(), deferred.retention(), alerts, ticker);
      case FILE -> {
        SqliteStateStore.Builder builder = SqliteStateStore.builder(state.path())
            .deferredCapacity(deferred.capacity())
            .deferredRetention(deferred.retention())
            .commitInterval(state.commitInterval())
            .listener(alerts)
            .ticker(ticker);
        if (state.maxSizeBytes() > 0) {
          builder.maxSizeBytes(state.maxSizeBytes());
        }
        yield builder.open();
      }
    };
  }

  /**
   * The deferred queue of {@code deferred}, or {@code null} when it is off: in memory, with a quota
   * per client key, so one client cannot fill the queue everyone shares.
   */
  public static DeferredQueue deferredQueue(ConfigFile.Deferred deferred) {
    return deferredQueue(deferred, new InMemoryDeferredQueue(deferred.capacity(), deferred.retention()));
  }

  /** {@link #deferredQueue(ConfigFile.Deferred)} around the queue of a state store. */
  public static DeferredQueue deferredQueue(ConfigFile.Deferred deferred, DeferredQueue queue) {
    if (!deferred.enabled()) {
      return null;
    }
    return DeferredQuota.builder(queue)
        .owner(DeferredQuota.ownerByTag(GatewayServer.CLIENT_TAG_PREFIX))
        .maxQueuedPerOwner(deferred.maxPerClient())
        .maxBytesPerOwner(deferred.maxBytesPerClient())
        .build();
  }

  /**
   * The settings of the gateway's server, from the file's {@code server}, {@code auth}, {@code
   * routes}, {@code timeouts}, {@code deferred} and {@code cache}.
   */
  public static GatewaySettings gatewaySettings(ConfigFile config) {
    ConfigFile.Server server = config.server();
    GatewaySettings.Builder builder = GatewaySettings.builder()
        .host(server.host())
        .port(server.port())
        .maxBodyBytes(server.maxBodyBytes())
        .limits(server.limits())
        .threads(server.threads())
        .idleTimeout(server.idleTimeout())
        .drainTimeout(server.drainTimeout())
        .deadline(config.settings().deadline())
        .deferred(config.deferred().settings())
        .cache(config.cache());
    config.auth().clientKeys().forEach(key -> builder.clientKey(key.value()));
    config.auth().adminKey().ifPresent(key -> builder.adminKey(key.value()));
    for (Map.Entry<dev.sheepdog.spi.ModelId, List<dev.sheepdog.spi.ModelId>> entry
        : config.routes().fallbacks().entrySet()) {
      builder.fallbacks(entry.getKey().value(), entry.getValue().stream().map(m -> m.value()).toArray(String[]::new));
    }
    config.routes().aliases().forEach(task -> builder.route(task.name()));
    return builder.build();
  }

  public Router router() {
    return router;
  }

  public GatewayServer server() {
    return server;
  }

  public GatewayMetrics metrics() {
    return metrics;
  }

  /** The deferred queue, unless {@code deferred.enabled} is false. */
  public Optional<DeferredQueue> deferredQueue() {
    return Optional.ofNullable(deferred);
  }

  /** {@code http://host:port}, the base URL without {@code /v1}. */
  public URI uri() {
    return server.uri();
  }

  public int port() {
    return server.port();
  }

  /** Where spend and deferred requests are kept. */
  public StateStore state() {
    return state;
  }

  /** The providers the gateway routes to, by id, in the file's order. */
  public Map<ProviderId, ChatProvider> providers() {
    return injector.getInstance(PROVIDERS);
  }

  /** The injector the gateway was built with, to look up what it holds. */
  public Injector injector() {
    return injector;
  }

  /**
   * Stops accepting, drains requests in flight up to the drain timeout, then closes the providers
   * and stops their shared HTTP client, and last writes what the state store holds and closes it.
   */
  @Override
  public void close() {
    try {
      server.close();
    } catch (RuntimeException e) {
      resources.closeAfter(e);
      throw e;
    }
    resources.close();
  }
}
