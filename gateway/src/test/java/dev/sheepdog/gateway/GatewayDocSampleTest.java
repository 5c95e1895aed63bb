package dev.sheepdog.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import dev.sheepdog.core.RouteTableStrategy;
import dev.sheepdog.core.Router;
import dev.sheepdog.spi.ModelCatalog;
import dev.sheepdog.spi.ModelSpec;
import dev.sheepdog.spi.Priority;
import dev.sheepdog.spi.Scheduler;
import dev.sheepdog.spi.TaskType;
import dev.sheepdog.testkit.Outcome;
import dev.sheepdog.testkit.ScriptedProvider;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The sample of docs/gateway.md, run against scripted upstreams. */
class GatewayDocSampleTest {
  @Test
  void serves_a_router_over_http() throws Exception {
    ScriptedProvider upstream = ScriptedProvider.create("holysheep", Scheduler.system());
    ModelCatalog catalog = ModelCatalog.of(ModelSpec.builder("gpt-4.1-mini", "holysheep").build(),
        ModelSpec.builder("deepseek-chat", "holysheep").build());
    // --- sample: gateway ---
    GatewayMetrics metrics = GatewayMetrics.create();
    Router router = Router.builder()
        .catalog(catalog)
        .provider(upstream)
        .strategy(RouteTableStrategy.builder()
            .route(TaskType.GENERAL, Priority.NORMAL, "gpt-4.1-mini", "deepseek-chat").build())
        .listener(metrics)                         // feeds /metrics
        .build();
    GatewaySettings settings = GatewaySettings.builder()
        .host("127.0.0.1").port(8080)
        .clientKey("sk-gateway-team-a")            // clients send Authorization: Bearer sk-gateway-team-a
        .adminKey("sk-gateway-admin")              // for /admin/health and /admin/deferred
        .fallbacks("gpt-4.1-mini", "deepseek-chat") // model=gpt-4.1-mini falls back to deepseek-chat
        .deadline(Duration.ofSeconds(60))
        .build();
    // --- end sample ---
    GatewaySettings onFreePort = GatewaySettings.builder().host("127.0.0.1").port(0).clientKey("sk-gateway-team-a")
        .adminKey("sk-gateway-admin").fallbacks("gpt-4.1-mini", "deepseek-chat").build();
    assertThat(settings.port()).isEqualTo(8080);
    try (GatewayServer server = GatewayServer.start(router, onFreePort, metrics)) {
      HttpResponse<String> answer = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
              URI.create(server.uri() + "/v1/chat/completions"))
          .header("Authorization", "Bearer sk-gateway-team-a")
          .header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(
              "{\"model\":\"auto\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]}"))
          .build(), HttpResponse.BodyHandlers.ofString());
      assertThat(answer.statusCode()).isEqualTo(200);
      assertThat(answer.headers().firstValue("X-Sheepdog-Model")).contains("gpt-4.1-mini");
      assertThat(answer.body()).contains("\"choices\"");
    }
  }

  @Test
  void openai_java_client_talks_to_the_gateway() {
    ScriptedProvider upstream = ScriptedProvider.create("holysheep", Scheduler.system());
    upstream.model("gpt-4.1-mini").then(Outcome.ok("Hello!"), Outcome.stream("Hel", "lo!"));
    Router router = Router.builder()
        .catalog(ModelCatalog.of(ModelSpec.builder("gpt-4.1-mini", "holysheep").build()))
        .provider(upstream)
        .strategy(RouteTableStrategy.builder().route(TaskType.GENERAL, Priority.NORMAL, "gpt-4.1-mini").build())
        .build();
    try (GatewayServer gateway = GatewayServer.start(router, GatewaySettings.builder().clientKey("sk-gateway-team-a")
        .build())) {
      String gatewayUrl = gateway.uri().toString();
      // --- sample: openai-java ---
      OpenAIClient client = OpenAIOkHttpClient.builder()
          .baseUrl(gatewayUrl + "/v1")               // e.g. http://127.0.0.1:8080/v1
          .apiKey("sk-gateway-team-a")               // a gateway client key, not an upstream key
          .build();
      ChatCompletionCreateParams params = ChatCompletionCreateParams.builder()
          .model("auto")                             // or a catalog model, or "code_generation:high"
          .addUserMessage("Say hello")
          .build();
      ChatCompletion completion = client.chat().completions().create(params);
      String answer = completion.choices().get(0).message().content().orElse("");

      StringBuilder streamed = new StringBuilder();
      try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(params)) {
        stream.stream().flatMap(chunk -> chunk.choices().stream())
            .forEach(choice -> choice.delta().content().ifPresent(streamed::append));
      }
      // --- end sample ---
      client.close();
      assertThat(answer).isEqualTo("Hello!");
      assertThat(completion.model()).isEqualTo("gpt-4.1-mini");
      assertThat(streamed).hasToString("Hello!");
    }
  }
}
