package dev.sheepdog.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sheepdog.adapter.openai.HttpVersionPolicy;
import dev.sheepdog.adapter.openai.OpenAiConfig;
import dev.sheepdog.adapter.openai.OpenAiProvider;
import dev.sheepdog.adapter.openai.SharedHttpClient;
import dev.sheepdog.spi.ChatProvider;
import dev.sheepdog.spi.ProviderId;
import dev.sheepdog.spi.Scheduler;
import dev.sheepdog.spi.Ticker;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import org.junit.jupiter.api.Test;

/**
 * The OpenAI-compatible providers of one file share one HTTP client, which the gateway stops when
 * it closes; their transport settings are read from the file.
 */
class UpstreamClientConfigTest {
  private static final String TWO_PROVIDERS = """
      server: {port: 0}
      auth: {client_keys_env: [CLIENT_KEY]}
      providers:
        first:
          type: openai
          base_url: %s
          max_requests: 500
          max_requests_per_host: 400
          max_connections_per_host: 50
          keep_alive: 30s
          http_version: "1.1"
        second:
          type: holysheep
          base_url: %s
          api_key_env: SECOND_KEY
          http_version: 2
      models:
        - {id: model-a, provider: first}
        - {id: model-b, provider: second}
      routes:
        table:
          general: {normal: [model-a, model-b]}
      """;

  private final ConfigLoader loader = ConfigLoader.create()
      .withEnvironment(Map.of("SECOND_KEY", "sk-holysheep-second-1234", "CLIENT_KEY", "sk-client-42")::get);

  @Test
  void the_providers_of_a_file_share_one_client_and_read_their_transport_settings() {
    // given
    ConfigFile config = loader.parse(TWO_PROVIDERS.formatted("http://127.0.0.1:9/v1", "http://127.0.0.1:8/v1"),
        "gateway.yaml");
    try (RunningGateway gateway = RunningGateway.start(config.withState(ConfigFile.State.MEMORY))) {
      // when
      SharedHttpClient shared = gateway.injector().getInstance(SharedHttpClient.class);
      OpenAiConfig first = ((OpenAiProvider) gateway.providers().get(ProviderId.of("first"))).config();
      OpenAiConfig second = ((OpenAiProvider) gateway.providers().get(ProviderId.of("second"))).config();
      // then
      assertThat(first.sharedHttpClient()).containsSame(shared.get());
      assertThat(second.sharedHttpClient()).containsSame(shared.get());
      assertThat(first.maxRequests()).isEqualTo(500);
      assertThat(first.maxRequestsPerHost()).isEqualTo(400);
      assertThat(first.maxConnectionsPerHost()).isEqualTo(50);
      assertThat(first.keepAlive()).isEqualTo(Duration.ofSeconds(30));
      assertThat(first.httpVersion()).isEqualTo(HttpVersionPolicy.HTTP_1_1);
      assertThat(second.httpVersion()).isEqualTo(HttpVersionPolicy.HTTP_2);
      assertThat(second.maxRequestsPerHost()).isEqualTo(OpenAiConfig.DEFAULT_MAX_REQUESTS);
      assertThat(second.maxConnectionsPerHost()).isEqualTo(OpenAiConfig.DEFAULT_MAX_REQUESTS);
    }
  }

  @Test
  void an_unknown_http_version_names_its_field_and_the_choices() {
    // given
    String yaml = TWO_PROVIDERS.formatted("http://127.0.0.1:9/v1", "http://127.0.0.1:8/v1")
        .replace("http_version: 2", "http_version: 3");
    // when / then
    assertThatThrownBy(() -> loader.parse(yaml, "gateway.yaml"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("providers.second.http_version")
        .hasMessageContaining("expected auto, 1.1 or 2");
  }

  @Test
  void the_gateway_calls_out_through_the_shared_client_and_stops_it_when_it_closes() throws Exception {
    // given
    try (MockWebServer upstream = new MockWebServer()) {
      upstream.start();
      upstream.enqueue(new MockResponse.Builder().setHeader("Content-Type", "application/json")
          .body("{\"id\":\"c1\",\"model\":\"m\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
              + "\"content\":\"through jetty\"},\"finish_reason\":\"stop\"}]}").build());
      String base = upstream.url("/v1").toString();
      ConfigFile config = loader.parse(TWO_PROVIDERS.formatted(base, base).replace("http_version: 2", ""),
          "gateway.yaml");
      HttpResponse<String> reply;
      // when
      try (RunningGateway gateway = RunningGateway.start(config)) {
        reply = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(gateway.uri() + "/v1/chat/completions"))
            .timeout(Duration.ofSeconds(10))
            .header("Authorization", "Bearer sk-client-42")
            .POST(HttpRequest.BodyPublishers.ofString(
                "{\"model\":\"model-a\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}"))
            .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(liveThreads("sheepdog-shared-client")).as("threads of the shared client while serving").isPositive();
      }
      // then
      assertThat(reply.statusCode()).isEqualTo(200);
      assertThat(reply.body()).contains("through jetty");
      assertThat(upstream.takeRequest().getHeaders().get("User-Agent")).startsWith("sheepdog/");
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (liveThreads("sheepdog-shared-client") > 0 && System.nanoTime() < deadline) {
        Thread.onSpinWait();
      }
      assertThat(liveThreads("sheepdog-shared-client")).as("threads of the shared client after close").isZero();
    }
  }

  private static long liveThreads(String prefix) {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.isAlive() && t.getName().startsWith(prefix))
        .count();
  }
}
