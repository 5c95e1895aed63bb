package dev.sheepdog.benchmarks;

import dev.sheepdog.adapter.holysheep.HolySheep;
import dev.sheepdog.core.CircuitBreakerConfig;
import dev.sheepdog.core.RetryConfig;
import dev.sheepdog.core.RoutedResponse;
import dev.sheepdog.core.Router;
import dev.sheepdog.core.RouterSettings;
import dev.sheepdog.spi.ChatRequest;
import dev.sheepdog.spi.ModelCatalog;
import dev.sheepdog.spi.ModelId;
import dev.sheepdog.spi.ModelSpec;
import dev.sheepdog.spi.RateLimits;
import dev.sheepdog.spi.RouteHints;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * A whole {@code Router.route()} against a provider that answers at once: the router's own cost
 * per request (plan, admission, attempt, statistics, spend, listener events), with the upstream's
 * time taken out. The tutorial's route table plans gpt-4.1-mini, claude-3-5-sonnet, gpt-4.1 for
 * general requests at normal priority.
 *
 * <p>With {@link RoutePath#SUCCESS_DEFERRED} the answer arrives after {@code complete} returned, as
 * from a real upstream, so the router registers its callback and arms and cancels the request's
 * timer; with the other paths the provider's future is already complete when it returns.
 *
 * <p>The catalog's rate limits are lifted (a real upstream would refuse a benchmark's rate, and
 * the limiter's admitted path is measured by {@link AdmissionBenchmark}); circuits never open and
 * retries are off, so the failover path fails over on every request instead of shedding the model.
 */
@State(Scope.Benchmark)
public class RouteBenchmark extends BenchmarkDefaults {
  static final ModelId FIRST_CHOICE = ModelId.of("gpt-4.1-mini");

  @Param
  RoutePath path;

  private Router router;
  private InstantProvider provider;
  private ChatRequest[] requests;
  private int index;

  @Setup
  public void setUp() {
    provider = path.provider();
    router = Router.builder()
        .catalog(unlimited(HolySheep.catalog()))
        .provider(provider)
        .settings(neverOpening())
        .build();
    requests = new ChatRequest[INPUTS];
    for (int i = 0; i < INPUTS; i++) {
      requests[i] = ChatRequest.builder().user("What is the capital of France? (" + i + ")").maxTokens(256).build();
    }
    RoutedResponse response = route();
    if (response.failedOver() != path.failsOver()) {
      throw new IllegalStateException(path + " expected failedOver=" + path.failsOver() + ", got " + response);
    }
  }

  @TearDown
  public void checkSharedFailureUntouched() {
    if (provider.unavailable().getSuppressed().length != 0) {
      throw new IllegalStateException("the router added suppressed exceptions to the provider's failure");
    }
  }

  @Benchmark
  public RoutedResponse route() {
    CompletableFuture<RoutedResponse> call = router.route(requests[index++ & MASK], RouteHints.DEFAULT);
    if (path == RoutePath.SUCCESS_DEFERRED) {
      provider.answerPending();
    }
    return call.join();
  }

  static ModelCatalog unlimited(ModelCatalog catalog) {
    List<ModelSpec> models = new ArrayList<>();
    for (ModelSpec spec : catalog.models()) {
      models.add(spec.toBuilder().limits(RateLimits.UNLIMITED).build());
    }
    return ModelCatalog.of(models);
  }

  static RouterSettings neverOpening() {
    RouterSettings defaults = RouterSettings.defaults();
    CircuitBreakerConfig circuit = CircuitBreakerConfig.defaults()
        .withConsecutiveFailures(Integer.MAX_VALUE)
        .withFailureRate(1.0, CircuitBreakerConfig.MAX_WINDOW, CircuitBreakerConfig.MAX_WINDOW);
    return new RouterSettings(defaults.deadline(), defaults.attemptTimeout(), RetryConfig.noRetries(), circuit,
        defaults.allOpenPolicy(), defaults.defaultRetryAfter());
  }

  /** Which way each request goes; each constant builds its provider. */
  public enum RoutePath {
    /** The first planned model answers. */
    SUCCESS {
      @Override
      InstantProvider provider() {
        return new InstantProvider();
      }

      @Override
      boolean failsOver() {
        return false;
      }
    },
    /** The first planned model answers after {@code complete} returned, as a real upstream does. */
    SUCCESS_DEFERRED {
      @Override
      InstantProvider provider() {
        return InstantProvider.deferred();
      }

      @Override
      boolean failsOver() {
        return false;
      }
    },
    /** The first planned model fails with UNAVAILABLE every time; the second answers. */
    ONE_FAILOVER {
      @Override
      InstantProvider provider() {
        return new InstantProvider(Set.of(FIRST_CHOICE), 0);
      }

      @Override
      boolean failsOver() {
        return true;
      }
    };

    abstract InstantProvider provider();

    abstract boolean failsOver();
  }
}
