package dev.sheepdog.gateway.config;

import dev.sheepdog.adapter.openai.SharedHttpClient;
import dev.sheepdog.core.Router;
import dev.sheepdog.core.RouterBuilder;
import dev.sheepdog.core.alert.LoggingAlertListener;
import dev.sheepdog.core.cost.SpendLedger;
import dev.sheepdog.core.deferred.DeferredQuota;
import dev.sheepdog.core.deferred.InMemoryDeferredQueue;
import dev.sheepdog.core.state.InMemoryStateStore;
import dev.sheepdog.spi.DeferredQueue;
import dev.sheepdog.gateway.GatewayConfig;
import dev.sheepdog.gateway.GatewayMetrics;
import dev.sheepdog.gateway.GatewayServer;
import dev.sheepdog.gateway.sandbox.SandboxProvider;
import dev.sheepdog.spi.ChatProvider;
import dev.sheepdog.spi.ModelSpec;
import dev.sheepdog.spi.ProviderId;
import dev.sheepdog.spi.RouterEvent;
import dev.sheepdog.spi.RouterListener;
import dev.sheepdog.spi.Scheduler;
import dev.sheepdog.spi.StateStore;
import dev.sheepdog.state.redis.RedisStateStore;
import dev.sheepdog.state.sqlite.SqliteStateStore;
import dev.sheepdog.spi.Ticker;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A gateway running from a {@link SheepdogConfig}: its providers, a {@link Router} (with {@link
 * GatewayMetrics} listening, the deferred queue, logged alerts, budgets and hedging) and the
 * {@link GatewayServer} in front of it.
 *
 * <pre>{@code
 * SheepdogConfig config = ConfigLoader.create().load(Path.of("gateway.yaml"));
 * try (ConfiguredGateway gateway = ConfiguredGateway.start(config)) {
 *   System.out.println("serving on " + gateway.uri());
 * }
 * }</pre>
 *
 * {@link #close()} stops accepting, lets requests in flight finish up to {@code
 * server.drain_timeout}, then closes the providers.
 */
public final class ConfiguredGateway implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ConfiguredGateway.class);

  private final Router router;
  private final GatewayServer server;
  private final GatewayMetrics metrics;
  private final DeferredQueue deferred;
  private final List<ChatProvider> providers;
  private final SharedHttpClient upstreamClient;
  private final StateStore state;

  private ConfiguredGateway(Router router, GatewayServer server, GatewayMetrics metrics,
      DeferredQueue deferred, List<ChatProvider> providers, SharedHttpClient upstreamClient, StateStore state) {
    this.router = router;
    this.server = server;
    this.metrics = metrics;
    this.deferred = deferred;
    this.providers = providers;
    this.upstreamClient = upstreamClient;
    this.state = state;
  }

  /** Starts on the system clock. */
  public static ConfiguredGateway start(SheepdogConfig config) {
    return start(config, Ticker.system(), Scheduler.system());
  }

  /** Starts with the given clock, which the router and the providers share. */
  public static ConfiguredGateway start(SheepdogConfig config, Ticker ticker, Scheduler scheduler) {
    Objects.requireNonNull(config, "config");
    // one client for every provider of the file, started only if one calls out
    SharedHttpClient upstreamClient = SharedHttpClient.create();
    List<ChatProvider> providers;
    try {
      providers = createProviders(config, ticker, scheduler, upstreamClient);
    } catch (RuntimeException e) {
      upstreamClient.close();
      throw e;
    }
    GatewayMetrics metrics = GatewayMetrics.create();
    // the store's alerts go through the router, as its own do: to the log, the metrics and the health report
    AtomicReference<Router> alerted = new AtomicReference<>();
    // an alert raised while the store opens (a shared store that is not there yet) waits for the router
    AtomicReference<RouterEvent.Alert> early = new AtomicReference<>();
    StateStore state;
    try {
      state = openState(config, event -> {
        Router router = alerted.get();
        if (event instanceof RouterEvent.Alert alert) {
          if (router != null) {
            router.report(alert);
          } else {
            early.set(alert);
          }
        }
      }, ticker);
    } catch (RuntimeException e) {
      closeAll(providers, e);
      upstreamClient.close();
      throw e;
    }
    try {
      metrics.bind(state);
      DeferredQueue deferred = deferredQueue(config.deferred(), state.deferred());
      Router router = router(config, providers, metrics, new SpendLedger(state.spend()), deferred, ticker, scheduler,
          state);
      alerted.set(router);
      RouterEvent.Alert pending = early.getAndSet(null);
      if (pending != null && state.health().degraded()) {
        router.report(pending);
      }
      List<SandboxProvider> sandboxes = providers.stream().filter(SandboxProvider.class::isInstance)
          .map(SandboxProvider.class::cast).toList();
      GatewayServer server = GatewayServer.start(router, gatewayConfig(config), metrics, deferred, sandboxes);
      log.info("State: {}", state.describe());
      return new ConfiguredGateway(router, server, metrics, deferred, providers, upstreamClient, state);
    } catch (RuntimeException e) {
      closeAll(providers, e);
      upstreamClient.close();
      closeState(state, e);
      throw e;
    }
  }

  /**
   * Opens the state of {@code config}: the SQLite file under {@code state.path}, or memory. A file
   * that is locked by another process, unreadable or corrupt fails with a one-line {@link
   * dev.sheepdog.state.sqlite.StateStoreException} naming the file and the fix.
   */
  public static StateStore openState(SheepdogConfig config, RouterListener alerts, Ticker ticker) {
    SheepdogConfig.State state = config.state();
    SheepdogConfig.Deferred deferred = config.deferred();
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

  private static void closeState(StateStore state, RuntimeException failure) {
    try {
      state.close();
    } catch (RuntimeException e) {
      failure.addSuppressed(e);
    }
  }

  /**
   * The deferred queue of {@code deferred}, or {@code null} when it is off: in memory, with a quota
   * per client key, so one client cannot fill the queue everyone shares.
   */
  public static DeferredQueue deferredQueue(SheepdogConfig.Deferred deferred) {
    return deferredQueue(deferred, new InMemoryDeferredQueue(deferred.capacity(), deferred.retention()));
  }

  /** {@link #deferredQueue(SheepdogConfig.Deferred)} around the queue of a state store. */
  public static DeferredQueue deferredQueue(SheepdogConfig.Deferred deferred, DeferredQueue queue) {
    if (!deferred.enabled()) {
      return null;
    }
    return DeferredQuota.builder(queue)
        .owner(DeferredQuota.ownerByTag(GatewayServer.CLIENT_TAG_PREFIX))
        .maxQueuedPerOwner(deferred.maxPerClient())
        .maxBytesPerOwner(deferred.maxBytesPerClient())
        .build();
  }

  /** Builds each provider of {@code config}, in file order, each owning the HTTP client it needs. */
  public static List<ChatProvider> createProviders(SheepdogConfig config, Ticker ticker, Scheduler scheduler) {
    return createProviders(config, ticker, scheduler, null);
  }

  /**
   * Builds each provider of {@code config}, in file order, calling out through {@code
   * upstreamClient} (which the caller stops after closing the providers), or each through a client
   * of its own if it is {@code null}.
   */
  public static List<ChatProvider> createProviders(SheepdogConfig config, Ticker ticker, Scheduler scheduler,
      SharedHttpClient upstreamClient) {
    List<ChatProvider> created = new ArrayList<>();
    try {
      for (SheepdogConfig.Provider provider : config.providers().values()) {
        ProviderId id = ProviderId.of(provider.name());
        List<ModelSpec> models = config.catalog().models().stream().filter(m -> m.provider().equals(id)).toList();
        if (models.isEmpty()) {
          log.warn("Provider {} serves no model of the models section; it is not started", provider.name());
          continue;
        }
        ChatProvider chat = provider.prepared().create(new ProviderContext(id, models, ticker, scheduler, upstreamClient));
        if (!chat.id().equals(id)) {
          throw new IllegalStateException("provider type " + provider.type() + " built a provider with id "
              + chat.id() + " for " + id);
        }
        created.add(chat);
        log.info("Provider {} ({}): {}; models {}", provider.name(), provider.type(), provider.prepared().describe(),
            models.stream().map(m -> m.id().value()).toList());
      }
      return created;
    } catch (RuntimeException e) {
      closeAll(created, e);
      throw e;
    }
  }

  /** The router of {@code config} over {@code providers}, its spend in memory. */
  public static Router router(SheepdogConfig config, List<ChatProvider> providers, GatewayMetrics metrics,
      DeferredQueue deferred, Ticker ticker, Scheduler scheduler) {
    return router(config, providers, metrics, new SpendLedger(), deferred, ticker, scheduler);
  }

  /** The router of {@code config} over {@code providers}, recording spend in {@code ledger}. */
  public static Router router(SheepdogConfig config, List<ChatProvider> providers, GatewayMetrics metrics,
      SpendLedger ledger, DeferredQueue deferred, Ticker ticker, Scheduler scheduler) {
    return router(config, providers, metrics, ledger, deferred, ticker, scheduler, null);
  }

  /**
   * The same, sharing limits, budgets' spend and circuits with the other instances of {@code
   * state} when it is a shared store.
   */
  public static Router router(SheepdogConfig config, List<ChatProvider> providers, GatewayMetrics metrics,
      SpendLedger ledger, DeferredQueue deferred, Ticker ticker, Scheduler scheduler, StateStore state) {
    RouterBuilder builder = Router.builder()
        .ledger(ledger)
        .catalog(config.catalog())
        .providers(providers)
        .strategy(Strategies.build(config.routes().strategy(), config.routes().table()))
        .settings(config.settings())
        .ticker(ticker)
        .scheduler(scheduler)
        .alerts(config.alerts().rules())
        .listener(metrics);
    if (config.alerts().log()) {
      builder.listener(new LoggingAlertListener());
    }
    config.budgets().forEach(builder::budget);
    config.hedging().ifPresent(builder::hedging);
    if (deferred != null) {
      builder.deferredQueue(deferred);
    }
    if (state != null) {
      state.shared().ifPresent(shared -> builder.shared(shared).fleet(config.state().fleet()));
    }
    return builder.build();
  }

  /** The HTTP side of {@code config}. */
  public static GatewayConfig gatewayConfig(SheepdogConfig config) {
    SheepdogConfig.Server server = config.server();
    GatewayConfig.Builder builder = GatewayConfig.builder()
        .host(server.host())
        .port(server.port())
        .maxBodyBytes(server.maxBodyBytes())
        .limits(server.limits())
        .threads(server.threads())
        .idleTimeout(server.idleTimeout())
        .drainTimeout(server.drainTimeout())
        .deadline(config.settings().deadline())
        .deferred(config.deferred().settings());
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

  /**
   * Stops accepting, drains requests in flight up to the drain timeout, then closes the providers
   * and stops their shared HTTP client, and last writes what the state store holds and closes it.
   */
  @Override
  public void close() {
    RuntimeException failure = null;
    try {
      server.close();
    } catch (RuntimeException e) {
      failure = e;
    }
    closeAll(providers, failure);
    upstreamClient.close();
    if (failure != null) {
      closeState(state, failure);
      throw failure;
    }
    state.close();
  }

  private static void closeAll(List<ChatProvider> providers, RuntimeException failure) {
    for (ChatProvider provider : providers) {
      if (provider instanceof AutoCloseable closeable) {
        try {
          closeable.close();
        } catch (Exception e) {
          if (failure != null) {
            failure.addSuppressed(e);
          } else {
            log.warn("Provider {} did not close cleanly: {}", provider.id(), e.toString());
          }
        }
      }
    }
  }
}
