package dev.sheepdog.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sheepdog.adapter.sandbox.SandboxFault;
import dev.sheepdog.adapter.sandbox.SandboxProvider;
import dev.sheepdog.spi.ModelId;
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
import org.junit.jupiter.api.Test;

/** {@code type: sandbox}: a whole gateway rehearsed offline from YAML, faults switched over HTTP. */
class SandboxConfigTest {
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private final ConfigLoader loader = ConfigLoader.create()
      .withEnvironment(Map.of("ADMIN_KEY", "sk-admin-sandbox")::get);

  private static final String YAML = """
      server: {port: 0}
      auth: {admin_key_env: ADMIN_KEY}
      providers:
        rehearsal:
          type: sandbox
          seed: 7
          time_scale: 0          # answers at once
          profiles:
            house-model: {mean_latency: 400ms, p95_latency: 700ms, availability: 100%}
          faults:
            gpt-4.1: outage
      models:
        - {id: deepseek-chat, provider: rehearsal, price: {input: 0.42, output: 1.68}}
        - {id: house-model, provider: rehearsal}
        - {id: gpt-4.1, provider: rehearsal, price: {input: 8, output: 32}}
      routes:
        table:
          general: {normal: [deepseek-chat, house-model]}
        fallbacks:
          gpt-4.1: [house-model]
          deepseek-chat: [house-model]
      retry: {rounds: 1}
      """;

  @Test
  void sandbox_embedding_models_answer_offline_and_fail_over_within_their_space() throws Exception {
    // given: two sandbox providers serve one embedding model; the first is in an outage
    ConfigFile config = loader.parse("""
        server: {port: 0}
        providers:
          first: {type: sandbox, time_scale: 0, faults: {embed: outage}}
          second: {type: sandbox, time_scale: 0}
        models:
          - {id: chat, provider: first}
          - {id: embed, provider: first, kind: embedding, upstream_name: text-embedding-3-small, dimensions: 8,
             price: {input: 0.02}}
          - {id: embed-2, provider: second, kind: embedding, upstream_name: text-embedding-3-small, dimensions: 8,
             price: {input: 0.02}}
        routes:
          table: {general: {normal: [chat]}}
          fallbacks: {embed: [embed-2]}
        retry: {rounds: 1}
        """, "embeddings.yaml");
    try (RunningGateway gateway = RunningGateway.start(config, Ticker.system(), Scheduler.system())) {
      // when
      HttpResponse<String> response = http.send(HttpRequest.newBuilder(gateway.uri().resolve("/v1/embeddings"))
          .timeout(Duration.ofSeconds(10))
          .header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"embed\",\"input\":[\"a\",\"b\"],"
              + "\"dimensions\":4}"))
          .build(), HttpResponse.BodyHandlers.ofString());
      // then
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.headers().firstValue("X-Sheepdog-Model")).hasValue("embed-2");
      Map<?, ?> json = (Map<?, ?>) dev.sheepdog.wire.openai.WireJson.parse(response.body());
      List<?> data = (List<?>) json.get("data");
      assertThat(data).hasSize(2);
      assertThat((List<?>) ((Map<?, ?>) data.get(1)).get("embedding")).hasSize(4);
    }
  }

  @Test
  void a_sandbox_config_serves_offline_starts_with_its_faults_and_takes_new_ones_over_http() throws Exception {
    // given
    ConfigFile config = loader.parse(YAML, "rehearsal.yaml");
    try (RunningGateway gateway = RunningGateway.start(config, Ticker.system(), Scheduler.system())) {
      // when: gpt-4.1 starts in an outage, deepseek-chat is healthy
      HttpResponse<String> pinnedToBroken = chat(gateway.uri(), "gpt-4.1");
      HttpResponse<String> healthy = chat(gateway.uri(), "deepseek-chat");

      // then
      assertThat(pinnedToBroken.statusCode()).isEqualTo(200);
      assertThat(pinnedToBroken.headers().firstValue("X-Sheepdog-Model")).hasValue("house-model");
      assertThat(healthy.headers().firstValue("X-Sheepdog-Model")).hasValue("deepseek-chat");

      // when: an outage on deepseek-chat through the admin control
      HttpResponse<String> switched = http.send(HttpRequest.newBuilder(gateway.uri().resolve("/admin/sandbox/faults"))
          .timeout(Duration.ofSeconds(10))
          .header("Authorization", "Bearer sk-admin-sandbox")
          .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"deepseek-chat\",\"fault\":\"outage\"}"))
          .build(), HttpResponse.BodyHandlers.ofString());
      HttpResponse<String> afterOutage = chat(gateway.uri(), "deepseek-chat");

      // then
      assertThat(switched.statusCode()).isEqualTo(200);
      assertThat(afterOutage.statusCode()).isEqualTo(200);
      assertThat(afterOutage.headers().firstValue("X-Sheepdog-Model")).hasValue("house-model");
      assertThat(afterOutage.headers().firstValue("X-Sheepdog-Attempts")).hasValue("2");
    }
  }

  @Test
  void profiles_are_taken_from_the_file_then_the_tutorial_then_the_default() {
    // given
    ConfigFile config = loader.parse(YAML, "rehearsal.yaml");

    // when
    try (RunningGateway gateway = RunningGateway.start(config)) {
      SandboxProvider provider = (SandboxProvider) gateway.providers().get(ProviderId.of("rehearsal"));

      // then
        assertThat(provider.seed()).isEqualTo(7);
      assertThat(provider.timeScale()).isZero();
      assertThat(provider.profiles().get(ModelId.of("house-model")).meanLatency()).isEqualTo(Duration.ofMillis(400));
      assertThat(provider.profiles().get(ModelId.of("house-model")).availability()).isEqualTo(1.0);
      assertThat(provider.profiles().get(ModelId.of("deepseek-chat")).meanLatency())
          .isEqualTo(Duration.ofMillis(850));
      assertThat(provider.faults().of(ModelId.of("gpt-4.1"))).hasValue(SandboxFault.outage());
    }
  }

  @Test
  void bad_sandbox_keys_name_file_line_and_field() {
    String yaml = """
        providers:
          rehearsal:
            type: sandbox
            time_scale: fast
            profiles:
              m: {mean_latency: 900ms, p95_latency: 100ms}
            faults:
              m: meltdown
        models:
          - {id: m, provider: rehearsal}
        """;

    assertThatThrownBy(() -> loader.parse(yaml, "drill.yaml"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("drill.yaml:4: providers.rehearsal.time_scale")
        .hasMessageContaining("drill.yaml:6: providers.rehearsal.profiles.m: p95_latency must be at least")
        .hasMessageContaining("drill.yaml:8: providers.rehearsal.faults.m: unknown value (expected one of outage, "
            + "slowdown, rate_limit, stall, broken_stream)");
  }

  private HttpResponse<String> chat(URI base, String model) throws Exception {
    return http.send(HttpRequest.newBuilder(base.resolve("/v1/chat/completions"))
        .timeout(Duration.ofSeconds(10))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(
            "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}"))
        .build(), HttpResponse.BodyHandlers.ofString());
  }
}
