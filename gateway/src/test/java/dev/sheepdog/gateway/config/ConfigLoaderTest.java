package dev.sheepdog.gateway.config;

import dev.sheepdog.spi.EmbeddingSpec;
import dev.sheepdog.spi.ModelSpec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sheepdog.core.AllOpenPolicy;
import dev.sheepdog.gateway.GatewayLimits;
import dev.sheepdog.spi.ModelId;
import dev.sheepdog.spi.Priority;
import dev.sheepdog.spi.QualityTier;
import dev.sheepdog.spi.TaskType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loading and checking the YAML file: values, defaults, and problems that name file, line and field. */
class ConfigLoaderTest {
  static final String MINIMAL = """
      providers:
        local:
          type: openai
          base_url: http://127.0.0.1:9/v1
      models:
        - id: model-a
          provider: local
      routes:
        table:
          general:
            normal: [model-a]
      """;

  private final Map<String, String> env = Map.of("UPSTREAM_KEY", "sk-upstream-SECRET-123", "CLIENT_KEY",
      "sk-client-1", "ADMIN_KEY", "sk-admin-1");

  private ConfigFile load(String yaml) {
    return ConfigLoader.create().withEnvironment(env::get).parse(yaml, "gateway.yaml");
  }

  private List<ConfigProblem> problems(String yaml) {
    try {
      load(yaml);
    } catch (ConfigException e) {
      return e.problems();
    }
    throw new AssertionError("the configuration was accepted");
  }

  private String message(String yaml) {
    return String.join("\n", problems(yaml).stream().map(ConfigProblem::toString).toList());
  }

  @Test
  void a_minimal_file_takes_the_documented_defaults() {
    // when
    ConfigFile config = load(MINIMAL);
    // then
    assertThat(config.server()).isEqualTo(new ConfigFile.Server("127.0.0.1", 8080, 1 << 20,
        Duration.ofMinutes(5), Duration.ofSeconds(30), GatewayLimits.defaults(), 32));
    assertThat(config.auth().clientKeys()).isEmpty();
    assertThat(config.auth().adminKey()).isEmpty();
    assertThat(config.routes().strategy()).isEqualTo("route-table");
    assertThat(config.settings().deadline()).isEqualTo(Duration.ofSeconds(60));
    assertThat(config.settings().retry().rounds()).isEqualTo(3);
    assertThat(config.settings().circuit().consecutiveFailures()).isEqualTo(3);
    assertThat(config.settings().circuit().recoveryTime()).isEqualTo(Duration.ofSeconds(60));
    assertThat(config.hedging()).isEmpty();
    assertThat(config.alerts().rules().p95LatencyThreshold()).isEqualTo(Duration.ofSeconds(5));
    assertThat(config.alerts().log()).isTrue();
    assertThat(config.deferred()).isEqualTo(new ConfigFile.Deferred(true, 1000, 1000, 100, 16L << 20));
    assertThat(config.catalog().require(ModelId.of("model-a")).upstreamName()).isEqualTo("model-a");
    assertThat(config.catalog().require(ModelId.of("model-a")).tier()).isEqualTo(QualityTier.STANDARD);
  }

  @Test
  void reads_every_section() {
    // given
    String yaml = """
        server:
          host: 0.0.0.0
          port: 9090
          max_body_size: 512KiB
          max_connections: 500
          max_header_size: 8KiB
          header_timeout: 5s
          body_timeout: 20s
          min_request_rate: 512
          min_response_rate: 0
          max_stream_buffer: 64KiB
          threads: 24
          idle_timeout: 1m30s
          drain_timeout: 250ms
        auth:
          client_keys_env: [CLIENT_KEY]
          admin_key_env: ADMIN_KEY
        providers:
          up:
            type: openai
            base_url: http://127.0.0.1:9/v1
            api_key_env: UPSTREAM_KEY
        models:
          - id: model-a
            provider: up
            upstream_name: a-upstream
            price: {input: 1.50, output: 6}
            context_window: 32000
            rpm: 60
            tpm: 10000
            tier: premium
          - {id: model-b, provider: up}
        routes:
          strategy: latency-tier + cost
          table:
            general:
              normal: [model-a, model-b]
            summarize:
              normal: [model-b]
          fallbacks:
            model-a: [model-b]
          aliases: [translate]
        timeouts: {deadline: 20s, attempt: 5s}
        retry: {rounds: 2, initial_backoff: 100ms, max_backoff: 1s}
        circuit: {consecutive_failures: 5, recovery_time: 10s, when_all_open: probe_earliest}
        hedging: {enabled: true, delay: 750ms}
        alerts: {p95_latency: 2s, error_rate: 10%, log: false}
        budget:
          caps:
            - {name: daily, daily_limit_usd: 12.50}
            - {name: team-a, tag: team-a, daily_limit_usd: 5, action: restrict, max_output_price: 2.00}
        deferred: {capacity: 10, max_per_client: 3, max_bytes_per_client: 1MiB}
        """;
    // when
    ConfigFile config = load(yaml);
    // then
    assertThat(config.server()).isEqualTo(new ConfigFile.Server("0.0.0.0", 9090, 512 * 1024,
        Duration.ofSeconds(90), Duration.ofMillis(250), new GatewayLimits(500, 8 * 1024, Duration.ofSeconds(5),
        Duration.ofSeconds(20), 512, 0, 64 * 1024), 24));
    assertThat(config.auth().clientKeys()).extracting(ConfigNode.Secret::value).containsExactly("sk-client-1");
    assertThat(config.auth().adminKey()).map(ConfigNode.Secret::value).contains("sk-admin-1");
    assertThat(config.auth().toString()).doesNotContain("sk-client-1", "sk-admin-1");
    assertThat(config.providers().get("up").prepared().describe())
        .isEqualTo("http://127.0.0.1:9/v1, key from UPSTREAM_KEY");
    var a = config.catalog().require(ModelId.of("model-a"));
    assertThat(a.upstreamName()).isEqualTo("a-upstream");
    assertThat(a.price().inputUsdPerMillion()).isEqualByComparingTo("1.50");
    assertThat(a.price().outputUsdPerMillion()).isEqualByComparingTo("6");
    assertThat(a.contextWindow()).isEqualTo(32000);
    assertThat(a.limits().requestsPerMinute()).isEqualTo(60);
    assertThat(a.limits().tokensPerMinute()).isEqualTo(10000);
    assertThat(a.tier()).isEqualTo(QualityTier.PREMIUM);
    assertThat(config.routes().strategy()).isEqualTo("latency-tier + cost");
    assertThat(config.routes().table().row(TaskType.of("summarize"), Priority.HIGH))
        .containsExactly(ModelId.of("model-b"));
    assertThat(config.routes().fallbacks()).containsEntry(ModelId.of("model-a"), List.of(ModelId.of("model-b")));
    assertThat(config.routes().aliases()).contains(TaskType.of("translate"), TaskType.of("summarize"),
        TaskType.GENERAL);
    assertThat(config.settings().deadline()).isEqualTo(Duration.ofSeconds(20));
    assertThat(config.settings().attemptTimeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(config.settings().retry().rounds()).isEqualTo(2);
    assertThat(config.settings().retry().initialBackoff()).isEqualTo(Duration.ofMillis(100));
    assertThat(config.settings().circuit().consecutiveFailures()).isEqualTo(5);
    assertThat(config.settings().allOpenPolicy()).isEqualTo(AllOpenPolicy.PROBE_EARLIEST);
    assertThat(config.hedging()).hasValueSatisfying(h -> assertThat(h.delay()).isEqualTo(Duration.ofMillis(750)));
    assertThat(config.alerts().rules().errorRateThreshold()).isEqualTo(0.10);
    assertThat(config.alerts().log()).isFalse();
    assertThat(config.budgets()).hasSize(2);
    assertThat(config.budgets().get(1).tag()).isEqualTo("team-a");
    assertThat(config.deferred()).isEqualTo(new ConfigFile.Deferred(true, 10, 1000, 3, 1L << 20));
  }

  @Test
  void state_and_deferred_replay_and_callbacks_have_defaults_and_keys() {
    ConfigFile defaults = load(MINIMAL);
    assertThat(defaults.state().store()).isEqualTo(ConfigFile.State.Store.FILE);
    assertThat(defaults.state().path()).isEqualTo(Path.of("sheepdog-state").toAbsolutePath());
    assertThat(defaults.state().commitInterval()).isEqualTo(Duration.ofMillis(100));
    assertThat(defaults.deferred().settings()).isEqualTo(dev.sheepdog.gateway.DeferredSettings.AUTOMATIC);

    ConfigFile given = load(MINIMAL + """
        state: {store: file, path: /var/lib/sheepdog, commit_interval: 250ms, max_size: 1GiB}
        deferred:
          replay: {enabled: false, interval: 10s, max_attempts: 8, backoff: {initial: 1s, max: 2m}, lease: 10m}
          callbacks: {allowed_hosts: [Hooks.Example.com, 127.0.0.1], max_attempts: 3, timeout: 2s}
        """);
    assertThat(given.state()).isEqualTo(new ConfigFile.State(ConfigFile.State.Store.FILE,
        Path.of("/var/lib/sheepdog"), 1L << 30, Duration.ofMillis(250)));
    var settings = given.deferred().settings();
    assertThat(settings.autoReplay()).isFalse();
    assertThat(settings.policy()).isEqualTo(new dev.sheepdog.core.deferred.ReplayPolicy(Duration.ofSeconds(1),
        Duration.ofMinutes(2), 8, 100, Duration.ofSeconds(10), Duration.ofMinutes(10)));
    assertThat(settings.callbackHosts()).containsExactlyInAnyOrder("hooks.example.com", "127.0.0.1");
    assertThat(settings.callbackAttempts()).isEqualTo(3);
    assertThat(settings.callbackTimeout()).isEqualTo(Duration.ofSeconds(2));
    assertThat(load(MINIMAL + "state: {store: memory}\n").state().store())
        .isEqualTo(ConfigFile.State.Store.MEMORY);
  }

  @Test
  void a_redis_store_reads_its_keys_with_the_password_from_the_environment() {
    // when
    ConfigFile config = load(MINIMAL + """
        state:
          store: redis
          uri: rediss://redis.internal:6380/2
          password_env: UPSTREAM_KEY
          prefix: team-a
          timeout: 3ms
          instances: 4
          on_store_failure: reject
          circuit_sync: 250ms
        """);
    // then
    ConfigFile.State state = config.state();
    assertThat(state.store()).isEqualTo(ConfigFile.State.Store.REDIS);
    assertThat(state.redis().uri()).isEqualTo("rediss://redis.internal:6380/2");
    assertThat(state.redis().usesTls()).isTrue();
    assertThat(state.redis().password()).containsExactly("sk-upstream-SECRET-123".toCharArray());
    assertThat(state.redis().prefix()).isEqualTo("team-a");
    assertThat(state.redis().hotPathTimeout()).isEqualTo(Duration.ofMillis(3));
    assertThat(state.fleet()).isEqualTo(new dev.sheepdog.core.FleetSettings(4,
        dev.sheepdog.core.FleetSettings.OnStoreFailure.REJECT, Duration.ofMillis(250)));
    // and the settings never print the password
    assertThat(state.toString()).doesNotContain("SECRET").contains("password set");
  }

  @Test
  void a_redis_store_through_sentinel_is_accepted_and_another_scheme_is_refused() {
    // when
    ConfigFile sentinel = load(MINIMAL
        + "state: {store: redis, uri: 'rediss-sentinel://s1.internal:26379,s2.internal:26379/0#mymaster'}\n");
    String http = message(MINIMAL + "state: {store: redis, uri: 'http://redis.internal:6379'}\n");
    // then
    assertThat(sentinel.state().redis().uri()).isEqualTo("rediss-sentinel://s1.internal:26379,s2.internal:26379/0#mymaster");
    assertThat(sentinel.state().redis().usesTls()).isTrue();
    assertThat(http).contains("state.uri").contains("redis-sentinel://");
  }

  @Test
  void a_redis_store_without_a_uri_or_with_a_password_in_the_file_is_refused_naming_the_key() {
    // when
    String missing = message(MINIMAL + "state: {store: redis}\n");
    String inUri = message(MINIMAL + "state: {store: redis, uri: 'redis://:hunter2pass@redis:6379'}\n");
    String inClear = message(MINIMAL + "state: {store: redis, uri: 'redis://redis:6379', password: hunter2pass}\n");
    String slow = message(MINIMAL + "state: {store: redis, uri: 'redis://redis:6379', timeout: 10s}\n");
    String misplaced = message(MINIMAL + "state: {store: file, uri: 'redis://redis:6379', instances: 2}\n");
    // then
    assertThat(missing).contains("state.uri").contains("is required for store: redis");
    assertThat(inUri).contains("state.uri").contains("must not hold a password").doesNotContain("hunter2");
    assertThat(inClear).contains("state.password").contains("password_env").doesNotContain("hunter2");
    assertThat(slow).contains("state.timeout").contains("at most 5 s");
    assertThat(misplaced).contains("state.uri").contains("state.instances").contains("only for store: redis");
  }

  @Test
  void bad_state_and_replay_values_name_their_field() {
    String yaml = MINIMAL + """
        state: {store: disk, commit_interval: 1m}
        deferred:
          replay: {backoff: {initial: 10s, max: 1s}}
          callbacks: {allowed_hosts: ["http://x/y"]}
        """;
    assertThat(message(yaml))
        .contains("state.store: unknown value")
        .contains("state.commit_interval: at most 10s")
        .contains("deferred.replay: max backoff")
        .contains("deferred.callbacks.allowed_hosts[0]: expected a host name");
  }

  @Test
  void an_unknown_key_is_an_error_that_suggests_the_closest_known_key() {
    String yaml = MINIMAL + """
        server:
          prot: 8080
        """;
    assertThat(message(yaml)).contains("gateway.yaml:13: server.prot: unknown key; did you mean port?");
  }

  @Test
  void a_value_of_the_wrong_type_names_its_line_and_field() {
    String yaml = MINIMAL + """
        server:
          host: 127.0.0.1
          port: eighty
        """;
    assertThat(message(yaml)).isEqualTo("gateway.yaml:14: server.port: expected a whole number");
  }

  @Test
  void a_missing_required_field_is_named() {
    String yaml = MINIMAL.replace("    provider: local\n", "    tier: premium\n");
    assertThat(message(yaml)).contains("gateway.yaml:6: models[0].provider: is required but missing");
  }

  @Test
  void a_model_of_an_unknown_provider_names_the_known_ones() {
    String yaml = """
        providers:
          holysheep: {type: openai, base_url: "http://127.0.0.1:9/v1"}
          local: {type: openai, base_url: "http://127.0.0.1:8/v1"}
        models:
          - id: model-a
            provider: holysheep
          - id: model-b
            provider: local
          - id: model-c
            provider: holysheeep
        routes:
          table:
            general:
              normal: [model-a]
        """;
    assertThat(message(yaml)).isEqualTo("gateway.yaml:10: models[2].provider: unknown provider; "
        + "did you mean holysheep? (known: holysheep, local)");
  }

  @Test
  void a_missing_environment_variable_is_named() {
    String yaml = MINIMAL.replace("base_url: http://127.0.0.1:9/v1",
        "base_url: http://127.0.0.1:9/v1\n    api_key_env: LOCAL_LLM_KEY");
    assertThat(message(yaml)).startsWith("gateway.yaml:5: providers.local.api_key_env: environment variable "
        + "LOCAL_LLM_KEY is not set");
  }

  @Test
  void a_key_written_in_clear_is_refused_without_repeating_it() {
    String yaml = MINIMAL.replace("base_url: http://127.0.0.1:9/v1",
        "base_url: http://127.0.0.1:9/v1\n    api_key: sk-live-abcdef0123456789") + """
        auth:
          admin_key: hunter2-admin-9
        """;
    String message = message(yaml);
    assertThat(message).contains("gateway.yaml:5: providers.local.api_key: keys must not be written in the "
        + "config file: put the key in an environment variable and name it with api_key_env:");
    assertThat(message).contains("gateway.yaml:14: auth.admin_key: keys must not be written in the config file")
        .contains("admin_key_env: SHEEPDOG_ADMIN_KEY");
    assertThat(message).doesNotContain("sk-live-abcdef0123456789", "hunter2");
  }

  @Test
  void a_key_pasted_where_a_variable_name_belongs_is_refused_without_repeating_it() {
    String yaml = MINIMAL + """
        auth:
          client_keys_env: [sk-holysheep-abc123def456]
        """;
    String message = message(yaml);
    assertThat(message).startsWith("gateway.yaml:13: auth.client_keys_env[0]: expected the name of an environment "
        + "variable");
    assertThat(message).doesNotContain("abc123def456");
  }

  @Test
  void a_bad_duration_names_its_line_and_field() {
    String yaml = MINIMAL + """
        circuit:
          recovery_time: 60 seconds
        """;
    assertThat(message(yaml)).isEqualTo("gateway.yaml:13: circuit.recovery_time: expected a duration such as "
        + "250ms, 60s, 5m or 1h");
  }

  @Test
  void every_problem_is_reported_in_file_order() {
    String yaml = """
        server:
          port: 99999
          idle_timeout: soon
        providers:
          local: {type: openia, base_url: "http://127.0.0.1:9/v1"}
        models:
          - id: model-a
            provider: local
            colour: blue
        routes:
          strategy: cheapest
          table:
            general:
              normal: [model-a, model-z]
              urgent: [model-a]
        """;
    // when
    List<ConfigProblem> problems = problems(yaml);
    // then
    assertThat(problems).extracting(ConfigProblem::line).containsExactly(2, 3, 5, 9, 11, 14, 15);
    assertThat(problems).extracting(ConfigProblem::path).containsExactly("server.port", "server.idle_timeout",
        "providers.local.type", "models[0].colour", "routes.strategy", "routes.table.general.normal[1]",
        "routes.table.general.urgent");
    assertThat(problems.get(2).message()).contains("unknown provider type; did you mean openai?");
    assertThat(problems.get(4).message()).contains("unknown strategy")
        .contains("known: cost, latency, latency-tier, route-table");
    assertThat(problems.get(5).message()).contains("unknown model");
    assertThat(problems.get(6).message()).contains("unknown key").contains("fast, high, normal");
  }

  @Test
  void fallbacks_must_name_known_models() {
    String yaml = MINIMAL + """
          fallbacks:
            model-a: [mixtral]
            llama-70b: [model-a]
        """;
    assertThat(problems(yaml)).extracting(ConfigProblem::toString).containsExactly(
        "gateway.yaml:13: routes.fallbacks.model-a[0]: unknown model (models: model-a)",
        "gateway.yaml:14: routes.fallbacks.llama-70b: fallbacks for an unknown model (models: model-a)");
  }

  private static final String EMBEDDINGS = """
      providers:
        local:
          type: openai
          base_url: http://127.0.0.1:9/v1
        other:
          type: openai
          base_url: http://127.0.0.1:9/v2
      models:
        - id: model-a
          provider: local
        - id: small
          provider: local
          kind: embedding
          upstream_name: text-embedding-3-small
          dimensions: 1536
          price: {input: 0.02}
        - id: small-elsewhere
          provider: other
          kind: embedding
          upstream_name: text-embedding-3-small
          dimensions: 1536
        - id: large
          provider: other
          kind: embedding
          upstream_name: text-embedding-3-large
          dimensions: 1536
        - id: mine
          provider: other
          kind: embedding
          dimensions: 1536
          space: text-embedding-3-small
      routes:
        table:
          general:
            normal: [model-a]
      """;

  @Test
  void embedding_models_have_a_size_and_a_space_and_fall_back_within_it() {
    // when
    ConfigFile config = load(EMBEDDINGS + """
          fallbacks:
            small: [small-elsewhere, mine]
        """);
    // then
    ModelSpec small = config.catalog().find(dev.sheepdog.spi.ModelId.of("small")).orElseThrow();
    assertThat(small.embedding()).isEqualTo(new EmbeddingSpec(1536, "text-embedding-3-small"));
    assertThat(config.catalog().find(dev.sheepdog.spi.ModelId.of("model-a")).orElseThrow().isEmbedding()).isFalse();
    assertThat(config.routes().fallbacks().get(dev.sheepdog.spi.ModelId.of("small")))
        .extracting(dev.sheepdog.spi.ModelId::value).containsExactly("small-elsewhere", "mine");
  }

  @Test
  void an_embedding_model_without_dimensions_or_a_chat_model_with_them_is_refused_naming_the_field() {
    String yaml = MINIMAL.replace("""
            provider: local
        """, """
            provider: local
            dimensions: 768
          - id: emb
            provider: local
            kind: embedding
          - id: odd
            provider: local
            kind: vectors
        """);
    assertThat(problems(yaml)).extracting(ConfigProblem::toString).containsExactly(
        "gateway.yaml:8: models[0].dimensions: applies to embedding models only; add kind: embedding",
        "gateway.yaml:9: models[1].dimensions: is required but missing",
        "gateway.yaml:14: models[2].kind: unknown value (expected one of chat, embedding)");
  }

  @Test
  void fallbacks_across_vector_spaces_or_between_chat_and_embeddings_and_routes_to_embeddings_are_refused() {
    String yaml = EMBEDDINGS.replace("normal: [model-a]", "normal: [model-a, small]") + """
          fallbacks:
            small: [large, model-a]
        """;
    assertThat(message(yaml))
        .contains("routes.table.general.normal[1]: is an embedding model: routes plan chat requests")
        .contains("routes.fallbacks.small[0]: returns vectors of space text-embedding-3-large with 1536 dimensions, "
            + "where small returns space text-embedding-3-small with 1536")
        .contains("routes.fallbacks.small[1]: is a chat model and small is not");
  }

  @Test
  void environment_variables_are_substituted_in_values() {
    // given
    Map<String, String> environment = Map.of("PORT", "9191", "UPSTREAM_HOST", "10.0.0.7");
    String yaml = MINIMAL.replace("http://127.0.0.1:9/v1", "http://${UPSTREAM_HOST}:8000/v1") + """
        server:
          host: ${BIND_HOST:-127.0.0.2}
          port: ${PORT}
        deferred:
          enabled: ${DEFERRED:-false}
        """;
    // when
    ConfigFile config = ConfigLoader.create().withEnvironment(environment::get).parse(yaml, "gateway.yaml");
    // then
    assertThat(config.server().port()).isEqualTo(9191);
    assertThat(config.server().host()).isEqualTo("127.0.0.2");
    assertThat(config.deferred().enabled()).isFalse();
    assertThat(config.providers().get("local").prepared().describe()).startsWith("http://10.0.0.7:8000/v1");
  }

  @Test
  void a_substituted_variable_that_is_unset_is_named() {
    String yaml = MINIMAL + """
        server:
          port: ${GATEWAY_PORT}
        """;
    assertThat(message(yaml)).isEqualTo("gateway.yaml:13: server.port: environment variable GATEWAY_PORT is not "
        + "set (used as ${GATEWAY_PORT}; export it or give a fallback with ${GATEWAY_PORT:-value})");
  }

  @Test
  void a_doubled_dollar_keeps_the_text_as_written() {
    String yaml = MINIMAL.replace("provider: local", "provider: local\n    upstream_name: a-$${literal}");
    assertThat(load(yaml).catalog().require(ModelId.of("model-a")).upstreamName()).isEqualTo("a-${literal}");
  }

  @Test
  void without_a_table_the_tutorial_table_needs_the_tutorial_models() {
    String yaml = MINIMAL.replace("""
        routes:
          table:
            general:
              normal: [model-a]
        """, "");
    assertThat(message(yaml)).startsWith("gateway.yaml:1: routes: table is missing");
  }

  @Test
  void invalid_yaml_is_reported_with_its_line() {
    assertThat(message("server:\n  port: [8080\nmodels: x\n")).startsWith("gateway.yaml:3: not valid YAML");
  }

  @Test
  void a_file_that_cannot_be_read_is_named(@TempDir Path dir) {
    Path missing = dir.resolve("nope.yaml");
    assertThatThrownBy(() -> ConfigLoader.create().load(missing)).isInstanceOf(ConfigException.class)
        .hasMessageStartingWith(missing + ": cannot read the file");
  }

  @Test
  void a_file_on_disk_is_named_as_given(@TempDir Path dir) throws Exception {
    Path file = Files.writeString(dir.resolve("gateway.yaml"), MINIMAL + "server:\n  port: x\n");
    assertThatThrownBy(() -> ConfigLoader.create().load(file)).isInstanceOf(ConfigException.class)
        .hasMessage(file + ":13: server.port: expected a whole number");
  }

  @Test
  void serving_beyond_loopback_needs_client_keys() {
    String yaml = MINIMAL + "server:\n  host: 0.0.0.0\n";
    assertThat(message(yaml)).isEqualTo("gateway.yaml:13: server.host: binding an address other than loopback "
        + "needs client keys: without auth.client_keys_env, only a loopback address (127.0.0.1, localhost, ::1) "
        + "is allowed");
  }

  @Test
  void a_zero_drain_timeout_is_allowed_but_a_zero_idle_timeout_is_not() {
    String yaml = MINIMAL + "server:\n  drain_timeout: 0\n  idle_timeout: 0s\n";
    assertThat(message(yaml)).isEqualTo("gateway.yaml:14: server.idle_timeout: must be longer than zero");
  }

  @Test
  void a_key_given_twice_is_an_error() {
    String yaml = MINIMAL + "server:\n  port: 1\n  port: 2\n";
    assertThat(message(yaml)).contains("gateway.yaml:14: server.port: is given twice (also on line 13)");
  }

  @Test
  void the_cache_is_off_unless_enabled_and_reads_its_keys() {
    assertThat(load(MINIMAL).cache()).isEqualTo(dev.sheepdog.gateway.CacheSettings.OFF);
    ConfigFile config = load(MINIMAL + """
        cache:
          enabled: true
          routes: [auto, summarize]
          ttl: 2m
          max_size: 8MiB
          shared: true
        """);
    assertThat(config.cache()).isEqualTo(new dev.sheepdog.gateway.CacheSettings(true,
        java.util.Set.of("auto", "summarize"), java.time.Duration.ofMinutes(2), 8L << 20, true));
  }

  @Test
  void bad_cache_keys_name_file_line_and_field() {
    String yaml = MINIMAL + """
        cache:
          enabled: maybe
          ttl: 0s
          colour: blue
        """;
    assertThat(message(yaml))
        .contains("gateway.yaml:13: cache.enabled: expected true or false")
        .contains("gateway.yaml:14: cache.ttl: must be longer than zero")
        .contains("gateway.yaml:15: cache.colour: unknown key (known: enabled, max_size, routes, shared, ttl)");
  }
}
