package dev.sheepdog.benchmarks.load;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The load test's gateway serves through the stub and fails over from the flaky model. */
class GatewayLauncherTest {
  private static final String KEY = "sk-loadtest-test";
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @Test
  void serves_the_primary_model_and_fails_the_flaky_one_over(@TempDir Path state) throws Exception {
    // given: the stub fails every request for the flaky model; state in the file store
    try (UpstreamStub stub = UpstreamStub.start(UpstreamStub.Options.defaults()
            .withFailures(GatewayLauncher.FLAKY, 1.0, 42));
        GatewayLauncher.Running gateway = GatewayLauncher.start(stub.baseUrl().toString(), 0, KEY, state)) {

      // when
      HttpResponse<String> primary = chat(gateway, GatewayLauncher.PRIMARY, false);
      HttpResponse<String> flaky = chat(gateway, GatewayLauncher.FLAKY, false);
      HttpResponse<String> flakyStream = chat(gateway, GatewayLauncher.FLAKY, true);

      // then
      assertThat(primary.statusCode()).isEqualTo(200);
      assertThat(primary.headers().firstValue("X-Sheepdog-Model")).contains(GatewayLauncher.PRIMARY);
      assertThat(primary.body()).contains(StubAnswers.content(5));
      assertThat(flaky.statusCode()).isEqualTo(200);
      assertThat(flaky.headers().firstValue("X-Sheepdog-Model")).contains(GatewayLauncher.FALLBACK);
      assertThat(flaky.headers().firstValue("X-Sheepdog-Attempts")).contains("2");
      assertThat(flakyStream.statusCode()).isEqualTo(200);
      assertThat(flakyStream.headers().firstValue("X-Sheepdog-Model")).contains(GatewayLauncher.FALLBACK);
      assertThat(flakyStream.body()).contains("word4").endsWith("data: [DONE]\n\n");
      assertThat(gateway.state().describe()).contains(state.toString());
      assertThat(gateway.server().port()).isPositive();
    }
    assertThat(state.resolve("state.db")).exists();
  }

  @Test
  void a_client_without_the_key_is_refused() throws Exception {
    try (UpstreamStub stub = UpstreamStub.start(UpstreamStub.Options.defaults());
        GatewayLauncher.Running gateway = GatewayLauncher.start(stub.baseUrl().toString(), 0, KEY, null)) {
      HttpResponse<String> response = http.send(HttpRequest.newBuilder(chatUri(gateway))
          .POST(HttpRequest.BodyPublishers.ofString(body(GatewayLauncher.PRIMARY, false)))
          .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());

      assertThat(response.statusCode()).isEqualTo(401);
    }
  }

  private HttpResponse<String> chat(GatewayLauncher.Running gateway, String model, boolean stream)
      throws Exception {
    return http.send(HttpRequest.newBuilder(chatUri(gateway))
        .header("Authorization", "Bearer " + KEY)
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body(model, stream)))
        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static URI chatUri(GatewayLauncher.Running gateway) {
    return gateway.server().uri().resolve("/v1/chat/completions");
  }

  private static String body(String model, boolean stream) {
    return "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]"
        + (stream ? ",\"stream\":true" : "") + "}";
  }
}
