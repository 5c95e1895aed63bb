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
class RunningGatewayTest {
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
    ConfigFile config = loader.parse(YAML, "gateway.yaml");
    try (RunningGateway gateway = RunningGateway.start(config, Ticker.system(), Scheduler.system())) {
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
    ConfigFile config = loader.parse(YAML, "gateway.yaml");
    var http = RunningGateway.gatewaySettings(config);
    assertThat(http.clientKeys()).containsExactly("sk-client-77");
    assertThat(http.adminKey()).isEqualTo("sk-admin-77");
    assertThat(http.fallbacks()).containsOnlyKeys(dev.sheepdog.spi.ModelId.of("model-a"));
    assertThat(http.routes()).contains(dev.sheepdog.spi.TaskType.of("summarize"));
    assertThat(http.deadline()).isEqualTo(Duration.ofSeconds(60));
    assertThat(List.of(http.port())).containsExactly(0);
  }

  @Test
  void an_embedders_modules_add_a_listener_and_replace_the_strategy() throws Exception {
    // given: a listener joins the gateway's, and a strategy of the embedder's replaces the file's
    ConfigFile config = loader.parse(YAML, "gateway.yaml").withState(ConfigFile.State.MEMORY);
    List<dev.sheepdog.spi.RouterEvent> events = new java.util.concurrent.CopyOnWriteArrayList<>();
    com.google.inject.Module mine = binder -> {
      com.google.inject.multibindings.Multibinder.newSetBinder(binder, dev.sheepdog.spi.RouterListener.class)
          .addBinding().toInstance(events::add);
      com.google.inject.multibindings.MapBinder.newMapBinder(binder, String.class,
              dev.sheepdog.spi.SelectionStrategy.class)
          .addBinding("steady-first").toInstance((request, candidates) -> candidates.stream()
              .sorted(java.util.Comparator.comparing(c -> !c.spec().provider().value().equals("steady"))).toList());
      com.google.inject.multibindings.OptionalBinder.newOptionalBinder(binder,
              com.google.inject.Key.get(String.class, dev.sheepdog.core.inject.StrategyName.class))
          .setBinding().toInstance("steady-first");
    };
    try (RunningGateway gateway = RunningGateway.start(config, Ticker.system(), Scheduler.system(),
        List.of(mine))) {
      // when
      HttpResponse<String> answer = chat(gateway.uri(), "auto");
      // then: model-b first, though the table says model-a; the metrics still listen, and so does the embedder
      assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
      assertThat(answer.headers().firstValue("X-Sheepdog-Model")).contains("model-b");
      assertThat(events).isNotEmpty();
      HttpResponse<String> metrics = http.send(HttpRequest.newBuilder(gateway.uri().resolve("/metrics")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(metrics.body()).contains("model=\"model-b\"");
    }
  }

  @Test
  void a_start_that_fails_names_the_problem_and_closes_what_it_opened() {
    // given: "flaky" builds a provider that says it is someone else; "steady" is fine and must be closed
    java.util.Set<String> closed = java.util.concurrent.ConcurrentHashMap.newKeySet();
    ProviderFactory impostor = (section, name) -> {
      section.integer("failures", 0, 0, 100);
      return PreparedProvider.of("impostor", context -> closeable(ScriptedProvider.create(name.equals("flaky") ? "someone-else" : name,
            context.scheduler()), closed));
    };
    ConfigFile config = ConfigLoader.create()
        .withProviderTypes(ProviderTypes.builtIn().with("scripted", impostor))
        .withEnvironment(Map.of("CLIENT_KEY", "sk-client-77", "ADMIN_KEY", "sk-admin-77")::get)
        .parse(YAML, "gateway.yaml").withState(ConfigFile.State.MEMORY);
    // when / then: the problem's own message, not Guice's account of it
    assertThatThrownBy(() -> RunningGateway.start(config))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("the provider bound under flaky has the id someone-else; bind it under its own id");
    assertThat(closed).containsExactlyInAnyOrder("someone-else", "steady");
  }

  /** {@code provider}, closeable, noting its id in {@code closed} when closed. */
  private static dev.sheepdog.spi.ChatProvider closeable(ScriptedProvider provider, java.util.Set<String> closed) {
    return new CloseableProvider(provider, closed);
  }

  private record CloseableProvider(ScriptedProvider delegate, java.util.Set<String> closed)
      implements dev.sheepdog.spi.ChatProvider, AutoCloseable {
    @Override
    public dev.sheepdog.spi.ProviderId id() {
      return delegate.id();
    }

    @Override
    public java.util.concurrent.CompletableFuture<dev.sheepdog.spi.ChatResponse> complete(
        dev.sheepdog.spi.ModelSpec model, dev.sheepdog.spi.ChatRequest request, dev.sheepdog.spi.CallOptions options) {
      return delegate.complete(model, request, options);
    }

    @Override
    public dev.sheepdog.spi.StreamHandle stream(dev.sheepdog.spi.ModelSpec model, dev.sheepdog.spi.ChatRequest request,
        dev.sheepdog.spi.CallOptions options, dev.sheepdog.spi.StreamListener listener) {
      return delegate.stream(model, request, options, listener);
    }

    @Override
    public void close() {
      closed.add(delegate.id().value());
    }
  }
}
