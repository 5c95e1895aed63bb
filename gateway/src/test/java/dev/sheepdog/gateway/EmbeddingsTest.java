package dev.sheepdog.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.models.embeddings.CreateEmbeddingResponse;
import com.openai.models.embeddings.EmbeddingCreateParams;
import dev.sheepdog.adapter.openai.OpenAiProvider;
import dev.sheepdog.core.RetryConfig;
import dev.sheepdog.core.RouteTableStrategy;
import dev.sheepdog.core.Router;
import dev.sheepdog.core.RouterSettings;
import dev.sheepdog.spi.EmbeddingSpec;
import dev.sheepdog.spi.ModelCatalog;
import dev.sheepdog.spi.ModelSpec;
import dev.sheepdog.spi.Priority;
import dev.sheepdog.spi.TaskType;
import dev.sheepdog.wire.openai.WireJson;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code POST /v1/embeddings} through the gateway on a random port, in front of two local
 * OpenAI-compatible upstreams: {@code embed-a} (alpha) falls back to {@code embed-b} (beta), the
 * same model on another provider; {@code embed-large} (beta) is another vector space.
 */
class EmbeddingsTest {
  private static final String VECTORS = "{\"object\":\"list\",\"data\":[{\"object\":\"embedding\",\"index\":0,"
      + "\"embedding\":[0.25,-0.5,0.125,1.0]},{\"object\":\"embedding\",\"index\":1,"
      + "\"embedding\":[0.5,0.5,-0.25,0.0]}],\"model\":\"text-embedding-3-small\","
      + "\"usage\":{\"prompt_tokens\":1000000,\"total_tokens\":1000000}}";

  private final Upstream alpha = new Upstream();
  private final Upstream beta = new Upstream();
  private final OpenAiProvider providerA = alpha.provider("alpha", "sk-alpha-EMBED-SECRET-01");
  private final OpenAiProvider providerB = beta.provider("beta", "sk-beta-EMBED-SECRET-02");
  private final GatewayMetrics metrics = GatewayMetrics.create();
  private final GatewayServer gateway;
  private final java.net.http.HttpClient http = java.net.http.HttpClient.newBuilder()
      .version(java.net.http.HttpClient.Version.HTTP_1_1).build();

  EmbeddingsTest() {
    Router router = Router.builder()
        .catalog(ModelCatalog.of(
            ModelSpec.builder("chat-a", "alpha").price("1.00", "2.00").build(),
            ModelSpec.builder("embed-a", "alpha").upstreamName("text-embedding-3-small").price("0.02", "0")
                .contextWindow(8_191).embedding(4).build(),
            ModelSpec.builder("embed-b", "beta").upstreamName("text-embedding-3-small").price("0.03", "0")
                .contextWindow(8_191).embedding(4).build(),
            ModelSpec.builder("embed-large", "beta").upstreamName("text-embedding-3-large").price("0.13", "0")
                .contextWindow(8_191).embedding(new EmbeddingSpec(4, "text-embedding-3-large")).build()))
        .provider(providerA)
        .provider(providerB)
        .strategy(RouteTableStrategy.builder().route(TaskType.GENERAL, Priority.NORMAL, "chat-a").build())
        .settings(RouterSettings.defaults().withRetry(RetryConfig.noRetries()))
        .listener(metrics)
        .build();
    gateway = GatewayServer.start(router, GatewaySettings.builder().fallbacks("embed-a", "embed-b").build(),
        metrics);
  }

  @AfterEach
  void close() {
    gateway.close();
    providerA.close();
    providerB.close();
    alpha.close();
    beta.close();
  }

  @Test
  void vectors_are_answered_in_openais_shape_with_the_model_and_cost_that_served_them() throws Exception {
    // given
    alpha.enqueue(Upstream.json(200, VECTORS));
    // when
    HttpResponse<String> response = post("{\"model\":\"embed-a\",\"input\":[\"first\",\"second\"],"
        + "\"encoding_format\":\"float\",\"user\":\"u-1\"}");
    // then
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("X-Sheepdog-Model")).contains("embed-a");
    assertThat(response.headers().firstValue("X-Sheepdog-Attempts")).contains("1");
    assertThat(response.headers().firstValue("X-Sheepdog-Cost-Usd")).contains("0.020000");
    Map<?, ?> json = (Map<?, ?>) WireJson.parse(response.body());
    assertThat(json.get("object")).isEqualTo("list");
    assertThat(json.get("model")).isEqualTo("embed-a");
    assertThat((List<?>) json.get("data")).hasSize(2);
    assertThat((List<?>) ((Map<?, ?>) ((List<?>) json.get("data")).get(0)).get("embedding"))
        .extracting(value -> ((Number) value).doubleValue()).containsExactly(0.25, -0.5, 0.125, 1.0);
    RecordedRequest sent = alpha.take();
    assertThat(sent.getUrl().encodedPath()).isEqualTo("/v1/embeddings");
    assertThat(WireJson.parse(sent.getBody().utf8())).isEqualTo(Map.of("model", "text-embedding-3-small",
        "input", List.of("first", "second"), "encoding_format", "float", "user", "u-1"));
    String scrape = GatewayFixture.send(http, HttpRequest.newBuilder(gateway.uri().resolve("/metrics"))).body();
    assertThat(scrape).contains("sheepdog_http_requests_total{endpoint=\"/v1/embeddings\",status=\"200\"} 1.0")
        .contains("sheepdog_tokens_total{model=\"embed-a\",type=\"prompt\"} 1000000.0")
        .contains("sheepdog_cost_usd_total{model=\"embed-a\"} 0.02");
  }

  @Test
  void a_failing_provider_fails_over_to_the_same_model_on_another() {
    // given
    alpha.enqueue(Upstream.error(503, "overloaded"));
    beta.enqueue(Upstream.json(200, VECTORS));
    // when
    HttpResponse<String> response = post("{\"model\":\"embed-a\",\"input\":[\"first\",\"second\"]}");
    // then
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("X-Sheepdog-Model")).contains("embed-b");
    assertThat(response.headers().firstValue("X-Sheepdog-Attempts")).contains("2");
  }

  @Test
  void vectors_of_the_wrong_size_are_not_passed_on() {
    // given: alpha answers 2 dimensions where 4 were expected; beta fails too
    alpha.enqueue(Upstream.json(200, "{\"data\":[{\"index\":0,\"embedding\":[0.5,0.5]}]}"));
    beta.enqueue(Upstream.error(503, "down"));
    // when
    HttpResponse<String> response = post("{\"model\":\"embed-a\",\"input\":\"one\"}");
    // then
    assertThat(response.statusCode()).isGreaterThanOrEqualTo(500);
    assertThat(response.body()).doesNotContain("0.5").contains("\"error\"");
  }

  @Test
  void a_chat_model_an_unknown_model_and_a_bad_input_are_refused_before_any_call() {
    // when
    HttpResponse<String> chat = post("{\"model\":\"chat-a\",\"input\":\"one\"}");
    HttpResponse<String> unknown = post("{\"model\":\"embed-z\",\"input\":\"one\"}");
    HttpResponse<String> empty = post("{\"model\":\"embed-a\",\"input\":[]}");
    HttpResponse<String> alias = post("{\"model\":\"auto\",\"input\":\"one\"}");
    // then
    assertThat(chat.statusCode()).isEqualTo(400);
    assertThat(chat.body()).contains("chat model").contains("\"param\":\"model\"");
    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(unknown.body()).contains("model_not_found");
    assertThat(empty.statusCode()).isEqualTo(400);
    assertThat(empty.body()).contains("\"param\":\"input\"");
    assertThat(alias.statusCode()).isEqualTo(404);
    assertThat(alpha.server.getRequestCount() + beta.server.getRequestCount()).isZero();
  }

  @Test
  void the_official_openai_sdk_gets_its_vectors() {
    // given: the upstream answers in the encoding the SDK asked for
    alpha.server.setDispatcher(new mockwebserver3.Dispatcher() {
      @Override
      public mockwebserver3.MockResponse dispatch(RecordedRequest request) {
        boolean base64 = request.getBody().utf8().contains("\"base64\"");
        return Upstream.json(200, base64
            ? "{\"object\":\"list\",\"data\":[{\"object\":\"embedding\",\"index\":0,"
                + "\"embedding\":\"AACAPgAAAL8AAAA+AACAPw==\"}],\"model\":\"m\",\"usage\":{\"prompt_tokens\":2,"
                + "\"total_tokens\":2}}"
            : "{\"object\":\"list\",\"data\":[{\"object\":\"embedding\",\"index\":0,"
                + "\"embedding\":[0.25,-0.5,0.125,1.0]}],\"model\":\"m\",\"usage\":{\"prompt_tokens\":2,"
                + "\"total_tokens\":2}}");
      }
    });
    OpenAIClient client = OpenAIOkHttpClient.builder().baseUrl(gateway.uri().resolve("/v1").toString())
        .apiKey("unused").maxRetries(0).build();
    try {
      // when
      CreateEmbeddingResponse response = client.embeddings().create(EmbeddingCreateParams.builder()
          .model("embed-a").input("hello there").build());
      // then
      assertThat(response.data()).hasSize(1);
      assertThat(response.data().get(0).embedding()).containsExactly(0.25f, -0.5f, 0.125f, 1.0f);
      assertThat(response.model()).isEqualTo("embed-a");
      assertThat(response.usage().promptTokens()).isEqualTo(2);
    } finally {
      client.close();
    }
  }

  @Test
  void the_pages_sample_yaml_loads_and_its_java_sample_is_the_one_run_here() throws Exception {
    // given
    String page = java.nio.file.Files.readString(java.nio.file.Path.of(System.getProperty("basedir", "."), "..",
        "docs", "gateway.md").normalize());
    String section = page.substring(page.indexOf("## Embeddings"));
    String yaml = section.substring(section.indexOf("```yaml\n") + 8,
        section.indexOf("```\n", section.indexOf("```yaml")));
    String test = java.nio.file.Files.readString(java.nio.file.Path.of(System.getProperty("basedir", "."), "src",
        "test", "java", "dev", "sheepdog", "gateway", "EmbeddingsTest.java"));
    // when
    dev.sheepdog.gateway.config.ConfigFile file = dev.sheepdog.gateway.config.ConfigLoader.create()
        .withEnvironment(Map.of("OPENAI_API_KEY", "sk-o", "HOLYSHEEP_API_KEY", "sk-h")::get)
        .parse("""
            providers:
              openai: {type: openai, base_url: "https://api.openai.com/v1", api_key_env: OPENAI_API_KEY}
              holysheep: {type: holysheep}
            """ + yaml.replace("models:\n", "models:\n  - {id: chat, provider: openai}\n")
            + "  table: {general: {normal: [chat]}}\n", "gateway.md");
    // then
    assertThat(file.routes().fallbacks().get(dev.sheepdog.spi.ModelId.of("embed-small")))
        .extracting(dev.sheepdog.spi.ModelId::value).containsExactly("embed-small-holysheep");
    String javaSample = section.substring(section.indexOf("```java\n") + 8, section.indexOf("```\n",
        section.indexOf("```java")));
    assertThat(test.replaceAll("\\s+", " ")).contains(javaSample.replaceAll("\\s+", " ").strip());
  }

  private HttpResponse<String> post(String body) {
    return GatewayFixture.send(http, HttpRequest.newBuilder(gateway.uri().resolve("/v1/embeddings"))
        .timeout(Duration.ofSeconds(20)).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)));
  }
}
