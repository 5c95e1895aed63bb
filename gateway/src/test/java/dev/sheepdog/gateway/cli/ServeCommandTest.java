package dev.sheepdog.gateway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sheepdog serve} in a child JVM, from a YAML file, in front of a MockWebServer upstream:
 * it answers, and on SIGTERM it lets the request in flight finish before it exits.
 */
class ServeCommandTest {
  static final String UPSTREAM_KEY = "sk-upstream-SECRET-7f3a9";
  static final String CLIENT_KEY = "sk-client-SECRET-2b8c1";

  private final MockWebServer upstream = new MockWebServer();
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private SheepdogProcess sheepdog;
  private Path config;

  @BeforeEach
  void start(@TempDir Path dir) throws Exception {
    upstream.start();
    config = Files.writeString(dir.resolve("gateway.yaml"), """
        server:
          port: 0
          drain_timeout: 5s
        auth:
          client_keys_env: [SHEEPDOG_CLIENT_KEY]
        providers:
          mock:
            type: openai
            base_url: ${MOCK_URL}
            api_key_env: MOCK_API_KEY
        models:
          - {id: model-a, provider: mock, upstream_name: upstream-a}
        routes:
          table: {general: {normal: [model-a]}}
        retry: {rounds: 1}
        """);
    sheepdog = SheepdogProcess.start(dir.resolve("sheepdog.log"), Map.of("MOCK_URL", upstream.url("/v1").toString(), "MOCK_API_KEY",
        UPSTREAM_KEY, "SHEEPDOG_CLIENT_KEY", CLIENT_KEY), "serve", "--config", config.toString());
  }

  @AfterEach
  void stop() throws Exception {
    sheepdog.close();
    upstream.close();
  }

  private HttpRequest chat(URI base) {
    return HttpRequest.newBuilder(base.resolve("/v1/chat/completions"))
        .timeout(Duration.ofSeconds(20))
        .header("Authorization", "Bearer " + CLIENT_KEY)
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(
            "{\"model\":\"auto\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}"))
        .build();
  }

  static MockResponse answer(String content) {
    return new MockResponse.Builder().setHeader("Content-Type", "application/json")
        .body("{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"created\":1700000000,\"model\":\"upstream-a\","
            + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"" + content + "\"},"
            + "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":2,"
            + "\"total_tokens\":5}}")
        .build();
  }

  @Test
  void serves_a_chat_completion_from_the_yaml_file() throws Exception {
    // given
    URI base = sheepdog.awaitReady();
    upstream.enqueue(answer("hello from upstream"));
    // when
    HttpResponse<String> response = http.send(chat(base), HttpResponse.BodyHandlers.ofString());
    // then
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(response.body()).contains("hello from upstream");
    assertThat(response.headers().firstValue("X-Sheepdog-Model")).contains("model-a");
    RecordedRequest sent = upstream.takeRequest(5, TimeUnit.SECONDS);
    assertThat(sent.getHeaders().get("Authorization")).isEqualTo("Bearer " + UPSTREAM_KEY);
    assertThat(sent.getBody().utf8()).contains("\"model\":\"upstream-a\"");
    assertThat(base.getPort()).isPositive();
  }

  @Test
  void on_sigterm_the_request_in_flight_completes_and_the_process_exits_within_the_drain_timeout()
      throws Exception {
    // given
    CompletableFuture<HttpResponse<String>> inFlight = inFlight(answer("finished while draining"),
        Duration.ofMillis(1_500));
    // when
    long signalled = System.nanoTime();
    sheepdog.process.destroy(); // SIGTERM
    // then
    HttpResponse<String> response = inFlight.get(10, TimeUnit.SECONDS);
    assertThat(response.statusCode()).as(() -> response.body() + "\n" + sheepdog.output()).isEqualTo(200);
    assertThat(response.body()).contains("finished while draining");
    assertThat(sheepdog.process.waitFor(5, TimeUnit.SECONDS)).as("exited within the 5 s drain timeout").isTrue();
    assertThat(Duration.ofNanos(System.nanoTime() - signalled)).isLessThan(Duration.ofSeconds(5));
    assertThat(sheepdog.output()).contains("Stopping: refusing new requests").contains("Stopped")
        .doesNotContain(UPSTREAM_KEY).doesNotContain(CLIENT_KEY).doesNotContain("SECRET");
  }

  @Test
  void on_sigterm_a_request_that_outlasts_the_drain_gets_503_and_the_process_exits_within_the_drain_timeout()
      throws Exception {
    // given: the upstream answers after 20 s, far past the 5 s drain
    CompletableFuture<HttpResponse<String>> inFlight = inFlight(answer("far too late"), Duration.ofSeconds(20));
    // when
    long signalled = System.nanoTime();
    sheepdog.process.destroy(); // SIGTERM
    // then
    HttpResponse<String> response = inFlight.get(10, TimeUnit.SECONDS);
    assertThat(response.statusCode()).as(() -> response.body() + "\n" + sheepdog.output()).isEqualTo(503);
    assertThat(response.body()).contains("shutting_down");
    assertThat(response.headers().firstValue("Retry-After")).isPresent();
    assertThat(sheepdog.process.waitFor(10, TimeUnit.SECONDS)).isTrue();
    // the drain timeout, plus the JVM's own exit
    assertThat(Duration.ofNanos(System.nanoTime() - signalled)).isLessThan(Duration.ofMillis(6_500));
    assertThat(sheepdog.output()).contains("Stopped").doesNotContain("did not stop cleanly");
  }

  /** A request that has reached the upstream, which answers {@code answer} after {@code delay}. */
  private CompletableFuture<HttpResponse<String>> inFlight(MockResponse answer, Duration delay) throws Exception {
    URI base = sheepdog.awaitReady();
    upstream.enqueue(new MockResponse.Builder(answer).headersDelay(delay.toMillis(), TimeUnit.MILLISECONDS).build());
    CompletableFuture<HttpResponse<String>> inFlight = http.sendAsync(chat(base),
        HttpResponse.BodyHandlers.ofString());
    assertThat(upstream.takeRequest(10, TimeUnit.SECONDS)).as("the request reached the upstream").isNotNull();
    return inFlight;
  }
}
