package dev.sheepdog.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sheepdog.core.deferred.DeferredQuota;
import dev.sheepdog.spi.FailureKind;
import dev.sheepdog.spi.Scheduler;
import dev.sheepdog.spi.Ticker;
import dev.sheepdog.testkit.Outcome;
import dev.sheepdog.testkit.ScriptedProvider;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * A gateway composed from YAML, served over HTTP, with a provider type registered from outside:
 * the way the sandbox type plugs in.
 */
class ConfiguredGatewayTest {
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private final AtomicReference<ScriptedProvider> scripted = new AtomicReference<>();

  /** {@code type: scripted}: reads its own {@code failures} key, builds a ScriptedProvider. */
  private final ProviderFactory scriptedType = (section, name) -> {
    int failures = section.integer("failures", 0, 0, 100);
    return PreparedProvider.of("scripted, failing " + failures + " times", context -> {
      ScriptedProvider provider = ScriptedProvider.create(context.id().value(), context.scheduler());
      context.models().forEach(model -> provider.model(model.id())
          .times(failures, Outcome.fail(FailureKind.UNAVAILABLE, 503)).thenAlways(Outcome.ok("from " + model.id())));
      scripted.set(provider);
      return provider;
    });
  };

  private final ConfigLoader loader = ConfigLoader.create()
      .withProviderTypes(ProviderTypes.builtIn().with("scripted", scriptedType))
      .withEnvironment(Map.of("CLIENT_KEY", "sk-client-77", "ADMIN_KEY", "sk-admin-77")::get);

  private static final String YAML = """
      server: {port: 0}
      auth: {client_keys_env: [CLIENT_KEY], admin_key_env: ADMIN_KEY}
      providers:
        flaky: {type: scripted, failures: 1}
        steady: {type: scripted}
      models:
        - {id: model-a, provider: flaky}
        - {id: model-b, provider: steady}
      routes:
        table:
          general: {normal: [model-a, model-b]}
        fallbacks:
          model-a: [model-b]
        aliases: [summarize]
      retry: {rounds: 1}
      deferred: {capacity: 5}
      """;

  private HttpResponse<String> chat(URI base, String model) throws Exception {
    return http.send(HttpRequest.newBuilder(base.resolve("/v1/chat/completions"))
        .timeout(Duration.ofSeconds(10))
        .header("Authorization", "Bearer sk-client-77")
        .POST(HttpRequest.BodyPublishers.ofString(
            "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}"))
        .build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void a_yaml_gateway_fails_over_along_its_fallbacks() throws Exception {
    // given
    SheepdogConfig config = loader.parse(YAML, "gateway.yaml");
    try (ConfiguredGateway gateway = ConfiguredGateway.start(config, Ticker.system(), Scheduler.system())) {
      // when
      HttpResponse<String> pinned = chat(gateway.uri(), "model-a");
      HttpResponse<String> alias = chat(gateway.uri(), "summarize:fast");
      // then
      assertThat(pinned.statusCode()).as(pinned.body()).isEqualTo(200);
      assertThat(pinned.headers().firstValue("X-Sheepdog-Model")).contains("model-b");
      assertThat(pinned.headers().firstValue("X-Sheepdog-Attempts")).contains("2");
      assertThat(alias.statusCode()).as(alias.body()).isEqualTo(200);
      assertThat(alias.headers().firstValue("X-Sheepdog-Model")).contains("model-a");
      assertThat(gateway.deferredQueue()).containsInstanceOf(DeferredQuota.class);
      HttpResponse<String> metrics = http.send(HttpRequest.newBuilder(gateway.uri().resolve("/metrics")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(metrics.body()).contains("model-a");
    }
  }

  @Test
  void a_provider_type_reads_its_own_keys_with_lines() {
    String yaml = YAML.replace("{type: scripted, failures: 1}", "{type: scripted, failures: many, colour: red}");
    assertThatThrownBy(() -> loader.parse(yaml, "gateway.yaml"))
        .isInstanceOf(ConfigException.class)
        .satisfies(e -> assertThat(((ConfigException) e).problems()).extracting(ConfigProblem::toString)
            .containsExactly(
                "gateway.yaml:4: providers.flaky.failures: expected a whole number",
                "gateway.yaml:4: providers.flaky.colour: unknown key (known: failures, type)"));
  }

  @Test
  void an_unregistered_type_names_the_registered_ones() {
    assertThatThrownBy(() -> ConfigLoader.create().parse(YAML, "gateway.yaml"))
        .hasMessageContaining("gateway.yaml:4: providers.flaky.type: unknown provider type "
            + "(known: holysheep, openai, sandbox;");
  }

  @Test
  void the_http_settings_come_from_the_file() {
    SheepdogConfig config = loader.parse(YAML, "gateway.yaml");
    var http = ConfiguredGateway.gatewayConfig(config);
    assertThat(http.clientKeys()).containsExactly("sk-client-77");
    assertThat(http.adminKey()).isEqualTo("sk-admin-77");
    assertThat(http.fallbacks()).containsOnlyKeys(dev.sheepdog.spi.ModelId.of("model-a"));
    assertThat(http.routes()).contains(dev.sheepdog.spi.TaskType.of("summarize"));
    assertThat(http.deadline()).isEqualTo(Duration.ofSeconds(60));
    assertThat(List.of(http.port())).containsExactly(0);
  }
}
