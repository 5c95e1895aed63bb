package dev.sheepdog.gateway.config;

import static dev.sheepdog.gateway.ErrorResponsesTestAccess.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sheepdog.spi.Scheduler;
import dev.sheepdog.spi.Ticker;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import org.junit.jupiter.api.Test;

/** Past a provider's max_requests_per_host, a request is not queued: it fails over, or gets 503. */
class UpstreamLimitTest {
  private static final String YAML = """
      server: {port: 0}
      providers:
        up:
          type: openai
          base_url: %s
          max_requests_per_host: 1
      models:
        - {id: model-a, provider: up}
      routes:
        table:
          general: {normal: [model-a]}
      retry: {rounds: 1}
      """;

  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @Test
  void a_request_past_the_per_host_limit_is_answered_503_with_retry_after_at_once() throws Exception {
    try (MockWebServer upstream = new MockWebServer()) {
      // given: the one call allowed in flight takes two seconds
      upstream.start();
      upstream.enqueue(new MockResponse.Builder().setHeader("Content-Type", "application/json")
          .body("{\"id\":\"c\",\"object\":\"chat.completion\",\"created\":1,\"model\":\"model-a\",\"choices\":[{\"index\""
              + ":0,\"message\":{\"role\":\"assistant\",\"content\":\"ok\"},\"finish_reason\":\"stop\"}],"
              + "\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":1,\"total_tokens\":2}}")
          .headersDelay(2, TimeUnit.SECONDS).build());
      ConfigFile config = ConfigLoader.create().withEnvironment(Map.<String, String>of()::get)
          .parse(YAML.formatted(upstream.url("/v1")), "limit.yaml");
      try (RunningGateway gateway = RunningGateway.start(config, Ticker.system(), Scheduler.system())) {
        CompletableFuture<HttpResponse<String>> first = http.sendAsync(chat(gateway.uri()),
            HttpResponse.BodyHandlers.ofString());
        assertThat(upstream.takeRequest(5, TimeUnit.SECONDS)).isNotNull();
        // when
        long start = System.nanoTime();
        HttpResponse<String> second = http.send(chat(gateway.uri()), HttpResponse.BodyHandlers.ofString());
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        // then
        assertError(second, 503, "server_error", "all_models_failed");
        assertThat(second.body()).contains("limit of calls in flight");
        assertThat(second.headers().firstValue("Retry-After")).isPresent();
        assertThat(took).as("not queued behind the call in flight").isLessThan(Duration.ofSeconds(1));
        assertThat(first.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        assertThat(upstream.getRequestCount()).isEqualTo(1);
      }
    }
  }

  private static HttpRequest chat(URI base) {
    return HttpRequest.newBuilder(base.resolve("/v1/chat/completions"))
        .timeout(Duration.ofSeconds(10))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(
            "{\"model\":\"auto\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}"))
        .build();
  }
}
