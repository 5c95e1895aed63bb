package dev.sheepdog.gateway;

import dev.sheepdog.adapter.openai.OpenAiProvider;
import dev.sheepdog.core.RetryConfig;
import dev.sheepdog.core.RouteTableStrategy;
import dev.sheepdog.core.Router;
import dev.sheepdog.core.RouterSettings;
import dev.sheepdog.gateway.config.ConfigFile;
import dev.sheepdog.gateway.config.RunningGateway;
import dev.sheepdog.spi.DeferredQueue;
import dev.sheepdog.spi.ModelCatalog;
import dev.sheepdog.spi.ModelSpec;
import dev.sheepdog.spi.Priority;
import dev.sheepdog.spi.RateLimits;
import dev.sheepdog.spi.TaskType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.function.UnaryOperator;

/**
 * A gateway on a free port in front of two MockWebServer upstreams: {@code model-a} on provider
 * {@code alpha} and {@code model-b} on provider {@code beta}. General traffic tries a then b;
 * {@code code_generation:high} tries b then a. No retry rounds, so failures are quick.
 */
final class GatewayFixture implements AutoCloseable {
  static final String UPSTREAM_KEY_A = "sk-alpha-UPSTREAM-SECRET-0001";
  static final String UPSTREAM_KEY_B = "sk-beta-UPSTREAM-SECRET-0002";

  final Upstream alpha = new Upstream();
  final Upstream beta = new Upstream();
  final DeferredQueue deferred;
  final GatewayMetrics metrics = GatewayMetrics.create();
  final Router router;
  final GatewayServer gateway;
  final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();
  private final OpenAiProvider providerA = alpha.provider("alpha", UPSTREAM_KEY_A);
  private final OpenAiProvider providerB = beta.provider("beta", UPSTREAM_KEY_B);

  GatewayFixture() {
    this(UnaryOperator.identity());
  }

  GatewayFixture(UnaryOperator<GatewaySettings.Builder> config) {
    this(config, RateLimits.UNLIMITED);
  }

  /** With {@code limits} on both models. */
  GatewayFixture(UnaryOperator<GatewaySettings.Builder> config, RateLimits limits) {
    this(config, limits, ConfigFile.Deferred.DEFAULT_MAX_PER_CLIENT);
  }

  /**
   * With {@code limits} on both models and the deferred queue the YAML gateway has: in memory, each
   * client key allowed {@code deferredPerClient} waiting requests.
   */
  GatewayFixture(UnaryOperator<GatewaySettings.Builder> config, RateLimits limits, int deferredPerClient) {
    deferred = RunningGateway.deferredQueue(new ConfigFile.Deferred(true, 1_000, 1_000, deferredPerClient,
        ConfigFile.Deferred.DEFAULT_MAX_BYTES_PER_CLIENT));
    RouterSettings defaults = RouterSettings.defaults();
    router = Router.builder()
        .catalog(ModelCatalog.of(
            ModelSpec.builder("model-a", "alpha").upstreamName("upstream-a").price("1.00", "2.00").limits(limits)
                .build(),
            ModelSpec.builder("model-b", "beta").upstreamName("upstream-b").price("3.00", "4.00").limits(limits)
                .build()))
        .deferredQueue(deferred)
        .listener(metrics)
        .provider(providerA)
        .provider(providerB)
        .strategy(RouteTableStrategy.builder()
            .route(TaskType.GENERAL, Priority.NORMAL, "model-a", "model-b")
            .route(TaskType.CODE_GENERATION, Priority.NORMAL, "model-a", "model-b")
            .route(TaskType.CODE_GENERATION, Priority.HIGH, "model-b", "model-a")
            .build())
        .settings(new RouterSettings(defaults.deadline(), defaults.attemptTimeout(), RetryConfig.noRetries(),
            defaults.circuit(), defaults.allOpenPolicy(), defaults.defaultRetryAfter()))
        .build();
    // the deferred queue is not passed: the gateway lists and replays the router's own
    gateway = GatewayServer.start(router, config.apply(GatewaySettings.builder()).build(), metrics);
  }

  HttpRequest.Builder post(String body) {
    return HttpRequest.newBuilder(uri("/v1/chat/completions"))
        .timeout(Duration.ofSeconds(20))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body));
  }

  HttpResponse<String> send(HttpRequest.Builder request) {
    return send(http, request);
  }

  /** Sends {@code request} with {@code http}, the body as text; I/O failures and interrupts unchecked. */
  static HttpResponse<String> send(HttpClient http, HttpRequest.Builder request) {
    try {
      return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  HttpResponse<String> chat(String model) {
    return send(post(chatBody(model, false)));
  }

  HttpResponse<String> get(String path) {
    return send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(20)).GET());
  }

  static String chatBody(String model, boolean stream) {
    return "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]"
        + (stream ? ",\"stream\":true" : "") + "}";
  }

  URI uri(String path) {
    return gateway.uri().resolve(path);
  }

  @Override
  public void close() {
    gateway.close();
    providerA.close();
    providerB.close();
    alpha.close();
    beta.close();
  }
}
