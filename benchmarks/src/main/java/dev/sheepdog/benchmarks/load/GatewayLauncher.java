package dev.sheepdog.benchmarks.load;

import dev.sheepdog.adapter.openai.OpenAiProvider;
import dev.sheepdog.core.CircuitBreakerConfig;
import dev.sheepdog.core.FleetSettings;
import dev.sheepdog.core.RetryConfig;
import dev.sheepdog.core.RouteTableStrategy;
import dev.sheepdog.core.Router;
import dev.sheepdog.core.RouterSettings;
import dev.sheepdog.core.alert.LoggingAlertListener;
import dev.sheepdog.core.cost.BudgetCap;
import dev.sheepdog.core.state.InMemoryStateStore;
import dev.sheepdog.gateway.GatewayMetrics;
import dev.sheepdog.gateway.GatewayServer;
import dev.sheepdog.gateway.GatewaySettings;
import dev.sheepdog.spi.ModelCatalog;
import dev.sheepdog.spi.ModelSpec;
import dev.sheepdog.spi.Money;
import dev.sheepdog.spi.Priority;
import dev.sheepdog.spi.StateStore;
import dev.sheepdog.spi.TaskType;
import dev.sheepdog.spi.Ticker;
import dev.sheepdog.state.redis.RedisSettings;
import dev.sheepdog.state.redis.RedisStateStore;
import dev.sheepdog.state.sqlite.SqliteStateStore;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/**
 * Starts the gateway for the load test, configured in code, in front of an OpenAI-compatible
 * upstream (the {@link UpstreamStub}): three models on one provider, {@value #PRIMARY} falling
 * back to {@value #FALLBACK}, and {@value #FLAKY} (the model the stub fails now and then) falling
 * back to {@value #FALLBACK} too.
 *
 * <p>Two settings differ from the defaults, both so that the failure variant measures failover on
 * every injected failure: retries are off (the default's 2 s backoff would measure the backoff),
 * and circuits never open (a 30 % failure rate would open the flaky model's circuit within a few
 * dozen requests, after which its traffic skips it instead of failing over). The gateway's access
 * log is at WARN unless {@code -Dorg.slf4j.simpleLogger.log.dev.sheepdog.gateway.access=info} is
 * given: a line per request written synchronously to stderr would measure the terminal.
 *
 * <p>With {@code --state DIR} spend and deferred requests go to the SQLite file store in {@code DIR},
 * as the gateway's YAML default does; without it they stay in memory.
 *
 * <pre>{@code
 * java -cp benchmarks/target/benchmarks.jar dev.sheepdog.benchmarks.load.GatewayLauncher \
 *     --port 18403 --upstream http://127.0.0.1:18401/v1 --client-key sk-loadtest-client [--state DIR]
 *     [--redis redis://127.0.0.1:18404]
 * }</pre>
 */
public final class GatewayLauncher {
  static final String PROVIDER = "stub";
  static final String PRIMARY = "gpt-4.1-mini";
  static final String FALLBACK = "deepseek-chat";
  static final String FLAKY = "gemini-2.5-flash";
  private static final String ACCESS_LOG_LEVEL = "org.slf4j.simpleLogger.log.dev.sheepdog.gateway.access";

  private GatewayLauncher() {}

  public static void main(String[] args) throws InterruptedException {
    if (System.getProperty(ACCESS_LOG_LEVEL) == null) {
      System.setProperty(ACCESS_LOG_LEVEL, "warn");
    }
    String upstream = null;
    int port = 0;
    String clientKey = null;
    Path state = null;
    String redis = null;
    for (int i = 0; i < args.length; i += 2) {
      if (i + 1 >= args.length) {
        usage(args[i] + " needs a value");
      }
      String value = args[i + 1];
      switch (args[i]) {
        case "--upstream" -> upstream = value;
        case "--port" -> port = port(value);
        case "--client-key" -> clientKey = value;
        case "--state" -> state = Path.of(value);
        case "--redis" -> redis = value;
        default -> usage("unknown option " + args[i]);
      }
    }
    if (upstream == null) {
      usage("--upstream is required");
    }
    Running running = start(upstream, port, clientKey, state, redis);
    long sinceJvmStart = System.currentTimeMillis() - ManagementFactory.getRuntimeMXBean().getStartTime();
    System.out.println("GatewayLauncher: serving on " + running.server().uri() + " in front of " + upstream
        + ", " + sinceJvmStart + " ms after the JVM started");
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      running.close();
      stopped.countDown();
    }, "gateway-launcher-shutdown"));
    stopped.await();
  }

  /**
   * The gateway with the load test's models and settings, in front of {@code upstream}; its state
   * in the file store under {@code state}, or in memory when that is null.
   */
  static Running start(String upstream, int port, String clientKey, Path state) {
    return start(upstream, port, clientKey, state, null);
  }

  /**
   * The same with {@code redis} given: state shared with the other instances on that Redis (two,
   * for their fallback share). The primary model carries limits and the router a daily cap, both far
   * above what the load reaches, so that every admission does the work a real fleet's does: the
   * shared rate limit's script and the read of the day's spend, in one round trip (and the local
   * limiter and ledger when the state is not shared).
   */
  static Running start(String upstream, int port, String clientKey, Path state, String redis) {
    StateStore store = redis != null
        ? RedisStateStore.open(RedisSettings.of(redis).withPrefix("loadtest"), 10_000, 1_000,
            new LoggingAlertListener(), Ticker.system())
        : state == null ? new InMemoryStateStore() : SqliteStateStore.builder(state).open();
    OpenAiProvider provider = OpenAiProvider.builder()
        .id(PROVIDER)
        .baseUrl(upstream)
        .apiKey("sk-stub-not-a-secret")
        .build();
    GatewayMetrics metrics = GatewayMetrics.create();
    Router router = Router.builder()
        .catalog(ModelCatalog.of(
            ModelSpec.builder(PRIMARY, PROVIDER).price("1.00", "4.00").limits(100_000_000, 100_000_000_000L).build(),
            ModelSpec.builder(FALLBACK, PROVIDER).price("0.42", "1.68").build(),
            ModelSpec.builder(FLAKY, PROVIDER).price("2.50", "10.00").build()))
        .provider(provider)
        .strategy(RouteTableStrategy.builder()
            .route(TaskType.GENERAL, Priority.NORMAL, PRIMARY, FALLBACK)
            .build())
        .settings(RouterSettings.defaults()
            .withRetry(RetryConfig.noRetries())
            .withCircuit(CircuitBreakerConfig.defaults()
                .withConsecutiveFailures(Integer.MAX_VALUE)
                .withFailureRate(1.0, CircuitBreakerConfig.MAX_WINDOW, CircuitBreakerConfig.MAX_WINDOW)))
        .listener(metrics)
        .state(store)
        .fleet(FleetSettings.DEFAULTS.withInstances(2))
        .budget(BudgetCap.global("load test", Money.ofUsd("1000000")))
        .build();
    GatewaySettings.Builder settings = GatewaySettings.builder()
        .host("127.0.0.1")
        .port(port)
        .fallbacks(PRIMARY, FALLBACK)
        .fallbacks(FLAKY, FALLBACK)
        .drainTimeout(Duration.ofSeconds(1));
    if (clientKey != null) {
      settings.clientKey(clientKey);
    }
    try {
      return new Running(GatewayServer.start(router, settings.build(), metrics), provider, store);
    } catch (RuntimeException e) {
      provider.close();
      store.close();
      throw e;
    }
  }

  /** The gateway and the provider and state it owns; closing stops all three. */
  record Running(GatewayServer server, OpenAiProvider provider, StateStore state) implements AutoCloseable {
    @Override
    public void close() {
      server.close();
      provider.close();
      state.close();
    }
  }

  private static int port(String value) {
    try {
      return Integer.parseInt(value);
    } catch (NumberFormatException e) {
      usage("--port must be a number, was " + value);
      return 0;
    }
  }

  private static void usage(String problem) {
    System.err.println("GatewayLauncher: " + problem);
    System.err.println("options: --upstream http://127.0.0.1:18401/v1 [--port 0] [--client-key KEY] [--state DIR]"
        + " [--redis redis://127.0.0.1:6379]");
    System.exit(2);
  }
}
