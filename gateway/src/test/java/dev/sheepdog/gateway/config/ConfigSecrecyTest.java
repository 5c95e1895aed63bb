package dev.sheepdog.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sheepdog.gateway.cli.SheepdogCli;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

/**
 * Problems never repeat what the file or the environment holds, in case it is a key: only a number
 * written in the file is shown. Names of environment variables must look like names.
 */
class ConfigSecrecyTest {
  private static final String MINIMAL = ConfigLoaderTest.MINIMAL;
  // an Azure-style key: 32 hex digits
  private static final String HEX_KEY = "d41d8cd98f00b204e9800998ecf8427e";
  private static final String CANARY = "zebracanary4242";

  private final Map<String, String> env = Map.of("SD_ADMIN", "secretadminvalue42", "SD_CANARY", CANARY,
      "P", "70000", "MEAN", "987ms", "PRICE", "0.12345", HEX_KEY, "sk-whatever",
      HEX_KEY.toUpperCase(), "sk-whatever", "my_key", "sk-whatever");

  private List<ConfigProblem> problems(String yaml) {
    return problems(ConfigLoader.create().withEnvironment(env::get), yaml);
  }

  private static List<ConfigProblem> problems(ConfigLoader loader, String yaml) {
    try {
      loader.parse(yaml, "gateway.yaml");
    } catch (ConfigException e) {
      return e.problems();
    }
    throw new AssertionError("the configuration was accepted");
  }

  private String message(String yaml) {
    return String.join("\n", problems(yaml).stream().map(ConfigProblem::toString).toList());
  }

  private static String withKeyEnv(String line) {
    return MINIMAL.replace("base_url: http://127.0.0.1:9/v1", "base_url: http://127.0.0.1:9/v1\n    " + line);
  }

  // --- names of environment variables ---

  @Test
  void an_azure_style_key_named_as_api_key_env_is_refused_without_being_shown() {
    // given
    String yaml = withKeyEnv("api_key_env: " + HEX_KEY);
    // when
    List<ConfigProblem> problems = problems(yaml);
    // then
    assertThat(problems).extracting(ConfigProblem::toString).singleElement().asString()
        .startsWith("gateway.yaml:5: providers.local.api_key_env: expected the name of an environment variable")
        .contains("MY_PROVIDER_API_KEY")
        .doesNotContain(HEX_KEY);
  }

  @Test
  void an_upper_case_key_is_refused_as_looking_like_a_key_without_being_shown() {
    // given
    String yaml = withKeyEnv("api_key_env: " + HEX_KEY.toUpperCase());
    // when
    String message = message(yaml);
    // then
    assertThat(message).startsWith("gateway.yaml:5: providers.local.api_key_env: looks like a key")
        .contains("MY_PROVIDER_API_KEY")
        .doesNotContainIgnoringCase(HEX_KEY);
  }

  @Test
  void a_lower_case_variable_name_is_refused_naming_the_rule_but_not_the_name() {
    // given
    String yaml = withKeyEnv("api_key_env: my_key") + """
        auth:
          admin_key_env: my_key
          client_keys_env: [my_key]
        """;
    // when
    List<ConfigProblem> problems = problems(yaml);
    // then
    assertThat(problems).extracting(ConfigProblem::path)
        .containsExactly("providers.local.api_key_env", "auth.admin_key_env", "auth.client_keys_env[0]");
    assertThat(problems).extracting(ConfigProblem::message).allSatisfy(message -> assertThat(message)
        .contains("expected the name of an environment variable").contains("upper case")
        .doesNotContain("my_key"));
  }

  @Test
  void a_default_key_variable_that_is_not_a_name_is_refused_without_being_shown() {
    // given
    ProviderFactory careless = (section, name) -> OpenAiProviderFactory.read(section, "http://127.0.0.1:9/v1",
        HEX_KEY);
    ConfigLoader loader = ConfigLoader.create().withEnvironment(env::get)
        .withProviderTypes(ProviderTypes.none().with("careless", careless));
    String yaml = MINIMAL.replace("type: openai", "type: careless");
    // when
    List<ConfigProblem> problems = problems(loader, yaml);
    // then
    assertThat(problems).extracting(ConfigProblem::toString).singleElement().asString()
        .startsWith("gateway.yaml:3: providers.local: ")
        .contains("default api_key_env")
        .doesNotContain(HEX_KEY);
  }

  @ParameterizedTest
  @CsvSource({HEX_KEY, "D41D8CD98F00B204E9800998ECF8427E", "my_key", "sk-live-abc"})
  void a_substitution_that_does_not_name_a_variable_is_refused_without_showing_the_braces(String inside) {
    // given
    String yaml = MINIMAL + "server:\n  port: \"${" + inside + "}\"\n";
    // when
    String message = message(yaml);
    // then
    assertThat(message).startsWith("gateway.yaml:13: server.port: ${…}").doesNotContain(inside)
        .doesNotContainIgnoringCase(HEX_KEY);
  }

  // --- values ---

  @Test
  void a_substituted_value_is_not_shown_in_a_type_error() {
    // given
    String yaml = MINIMAL + "server:\n  port: ${SD_ADMIN}\n";
    // when
    String message = message(yaml);
    // then
    assertThat(message).isEqualTo("gateway.yaml:13: server.port: expected a whole number (the value comes from "
        + "${SD_ADMIN} and is not shown)");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "timeouts:\\n  deadline: ${SD_ADMIN}                 | 13 | timeouts.deadline",
      "retry:\\n  jitter: ${SD_ADMIN}                      | 13 | retry.jitter",
      "hedging:\\n  enabled: ${SD_ADMIN}                   | 13 | hedging.enabled",
      "circuit:\\n  when_all_open: ${SD_ADMIN}             | 13 | circuit.when_all_open",
      "server:\\n  max_body_size: ${SD_ADMIN}              | 13 | server.max_body_size",
      "budget:\\n  caps:\\n    - {name: a, daily_limit_usd: \"${SD_ADMIN}\"} | 14 | budget.caps[0].daily_limit_usd"})
  void a_substituted_value_of_any_type_is_not_shown(String section, int line, String path) {
    // given
    String yaml = MINIMAL + section.replace("\\n", "\n") + "\n";
    // when
    List<ConfigProblem> problems = problems(yaml);
    // then
    assertThat(problems).singleElement().satisfies(problem -> {
      assertThat(problem.line()).isEqualTo(line);
      assertThat(problem.path()).isEqualTo(path);
      assertThat(problem.message()).endsWith("(the value comes from ${SD_ADMIN} and is not shown)")
          .doesNotContain("secretadminvalue42");
    });
  }

  @Test
  void a_provider_type_and_a_base_url_from_the_environment_are_not_shown() {
    // given
    String yaml = """
        providers:
          local:
            type: ${SD_ADMIN}
          remote:
            type: openai
            base_url: ${SD_ADMIN}/v1
        models:
          - {id: model-a, provider: remote}
        routes: {table: {general: {normal: [model-a]}}}
        """;
    // when
    List<ConfigProblem> problems = problems(yaml);
    // then
    assertThat(problems).extracting(ConfigProblem::toString).containsExactly(
        "gateway.yaml:3: providers.local.type: unknown provider type (known: holysheep, openai, sandbox; a "
            + "plug-in's type needs its jar in plugins/ or --plugins DIR) (the value comes from ${SD_ADMIN} and is not shown)",
        "gateway.yaml:6: providers.remote.base_url: expected an http or https URL such as "
            + "https://api.openai.com/v1 (the value comes from ${SD_ADMIN} and is not shown)");
  }

  @Test
  void a_number_written_in_the_file_is_shown_but_the_same_number_from_the_environment_is_not() {
    // given
    String literal = MINIMAL + "server:\n  port: 70000\n";
    String substituted = MINIMAL + "server:\n  port: ${P}\n";
    // when
    String fromFile = message(literal);
    String fromEnvironment = message(substituted);
    // then
    assertThat(fromFile).isEqualTo("gateway.yaml:13: server.port: must be between 0 and 65535, was 70000");
    assertThat(fromEnvironment).isEqualTo("gateway.yaml:13: server.port: must be between 0 and 65535 "
        + "(the value comes from ${P} and is not shown)");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "server:\\n  port: eighty                | eighty",
      "server:\\n  idle_timeout: 5x            | 5x",
      "server:\\n  max_body_size: 12 parsecs   | parsecs",
      "retry:\\n  jitter: lots                 | lots",
      "alerts:\\n  log: maybe                  | maybe",
      "circuit:\\n  when_all_open: shrug       | shrug"})
  void a_literal_that_is_not_a_number_is_not_shown(String section, String hidden) {
    // given
    String yaml = MINIMAL + section.replace("\\n", "\n") + "\n";
    // when
    String message = message(yaml);
    // then
    assertThat(message).startsWith("gateway.yaml:13: ").doesNotContain(hidden);
  }

  @Test
  void names_typed_as_values_are_not_shown_but_the_suggestion_from_known_names_is() {
    // given
    String yaml = """
        providers:
          holysheep: {type: openia, base_url: "http://127.0.0.1:9/v1"}
        models:
          - {id: model-a, provider: holysheep}
          - {id: model-b, provider: holysheeep}
        routes:
          strategy: route-tabel
          table:
            general:
              normal: [model-a, gpt-4o]
          fallbacks:
            model-a: [modl-a]
        """;
    // when
    List<ConfigProblem> problems = problems(yaml);
    // then
    assertThat(problems).extracting(ConfigProblem::message).containsExactly(
        "unknown provider type; did you mean openai? (known: holysheep, openai, sandbox; a plug-in's type needs "
            + "its jar in plugins/ or --plugins DIR)",
        "unknown provider; did you mean holysheep? (known: holysheep)",
        "unknown strategy; did you mean route-table? (known: cost, latency, latency-tier, route-table; "
            + "compose them with +, such as latency-tier+cost; a plug-in's strategy needs its jar in plugins/ or "
            + "--plugins DIR)",
        "unknown model (models: model-a)",
        "unknown model; did you mean model-a? (models: model-a)");
  }

  @Test
  void a_model_id_from_the_environment_is_not_listed_among_the_known_models() {
    // given
    String yaml = MINIMAL.replace("""
          - id: model-a
            provider: local
        """, """
          - id: model-a
            provider: local
          - id: ${SD_CANARY}
            provider: local
        """).replace("normal: [model-a]", "normal: [model-a, gpt-4o]");
    // when
    String message = message(yaml);
    // then
    assertThat(message).isEqualTo("gateway.yaml:13: routes.table.general.normal[1]: unknown model "
        + "(models: model-a)");
  }

  @Test
  void a_constructor_complaint_about_values_from_the_environment_shows_none_of_them() {
    // given: the sandbox profile's own check quotes both latencies, the price's its decimals
    String yaml = """
        providers:
          rehearsal:
            type: sandbox
            profiles:
              m: {mean_latency: "${MEAN}", p95_latency: 100ms}
        models:
          - {id: m, provider: rehearsal}
          - {id: n, provider: rehearsal, price: {input: "${PRICE}"}}
        routes: {table: {general: {normal: [m]}}}
        """;
    // when
    List<ConfigProblem> problems = problems(yaml);
    // then
    assertThat(problems).extracting(ConfigProblem::path).containsExactly("providers.rehearsal.profiles.m",
        "models[1]");
    assertThat(problems.get(0).message()).startsWith("p95_latency must be at least mean_latency")
        .contains("${MEAN}");
    assertThat(problems.get(1).message()).contains("more than three decimals").contains("${PRICE}");
    assertThat(problems).extracting(ConfigProblem::message)
        .allSatisfy(message -> assertThat(message).doesNotContain("987", "0.12345", "12345"));
  }

  @Test
  void a_constructor_complaint_does_not_show_a_name_written_in_the_file() {
    // given: BudgetCap's own message names the cap
    String yaml = MINIMAL + """
        budget:
          caps:
            - {name: zebracanary4242, tag: "", daily_limit_usd: 5}
        """;
    // when
    String message = message(yaml);
    // then
    assertThat(message).startsWith("gateway.yaml:14: budget.caps[0]: tag of budget cap")
        .doesNotContain(CANARY);
  }

  @ParameterizedTest
  @CsvSource({"idle_timeout, 99999999999999999999s", "idle_timeout, 9999999999999999d",
      "max_body_size, 99999999999999999999", "max_body_size, 99999999999GiB"})
  void a_number_too_large_to_read_is_a_problem_not_a_crash(String key, String value) {
    // given
    String yaml = MINIMAL + "server:\n  " + key + ": " + value + "\n";
    // when
    String message = message(yaml);
    // then
    assertThat(message).startsWith("gateway.yaml:13: server." + key + ": ").doesNotContain("99999");
  }

  @Test
  void a_yaml_error_is_bounded_and_does_not_quote_the_line() {
    // given: an alias naming no anchor, its name long like a key
    String alias = "sk" + "a1b2c3d4".repeat(40);
    String yaml = MINIMAL + "server:\n  host: *" + alias + "\n";
    // when
    String message = message(yaml);
    // then
    assertThat(message).startsWith("gateway.yaml:13: not valid YAML: ").doesNotContain(alias)
        .doesNotContain("host:");
    assertThat(message.length()).isLessThan(260);
  }

  // --- a canary in every field ---

  /** Each field where a value can be wrong, with {v} where the value goes. */
  static Stream<Arguments> fields() {
    List<String[]> fields = new ArrayList<>(List.of(
        new String[] {"server.port", MINIMAL + "server:\n  port: \"{v}\"\n"},
        new String[] {"server.host", MINIMAL + "server:\n  host: \"{v}\"\n"},
        new String[] {"server.max_body_size", MINIMAL + "server:\n  max_body_size: \"{v}\"\n"},
        new String[] {"server.idle_timeout", MINIMAL + "server:\n  idle_timeout: \"{v}\"\n"},
        new String[] {"server.drain_timeout", MINIMAL + "server:\n  drain_timeout: \"{v}\"\n"},
        new String[] {"server (a value, not a section)", MINIMAL + "server: \"{v}\"\n"},
        new String[] {"budget.caps (a value, not a list)", MINIMAL + "budget:\n  caps: \"{v}\"\n"},
        new String[] {"auth.admin_key_env", MINIMAL + "auth:\n  admin_key_env: \"{v}\"\n"},
        new String[] {"auth.client_keys_env", MINIMAL + "auth:\n  client_keys_env: [\"{v}\"]\n"},
        new String[] {"a ${name}", MINIMAL + "server:\n  port: \"${{v}}\"\n"},
        new String[] {"a ${name:-fallback}", MINIMAL + "server:\n  port: \"${{v}:-8080}\"\n"},
        new String[] {"providers.local.type", MINIMAL.replace("type: openai", "type: \"{v}\"")},
        new String[] {"providers.local.base_url", MINIMAL.replace("http://127.0.0.1:9/v1", "\"{v}\"")},
        new String[] {"providers.local.api_key_env", withKeyEnv("api_key_env: \"{v}\"")},
        new String[] {"providers.local.connect_timeout", withKeyEnv("connect_timeout: \"{v}\"")},
        new String[] {"providers.local.max_requests", withKeyEnv("max_requests: \"{v}\"")},
        new String[] {"models[0].provider", MINIMAL.replace("provider: local", "provider: \"{v}\"")},
        new String[] {"models[0].tier", model("tier: \"{v}\"")},
        new String[] {"models[0].price.input", model("price: {input: \"{v}\"}")},
        new String[] {"models[0].context_window", model("context_window: \"{v}\"")},
        new String[] {"models[0].rpm", model("rpm: \"{v}\"")},
        new String[] {"models[0].upstream_name (blank, id named)", MINIMAL.replace("id: model-a",
            "id: model-a\n    upstream_name: \"\"").replace("- id: model-a", "- id: \"{v}\"")},
        new String[] {"models[].id given twice", MINIMAL.replace("routes:", """
              - {id: "{v}", provider: local}
              - {id: "{v}", provider: local}
            routes:""")},
        new String[] {"routes.strategy", MINIMAL.replace("routes:\n", "routes:\n  strategy: \"{v}\"\n")},
        new String[] {"routes.strategy (composed)", MINIMAL.replace("routes:\n",
            "routes:\n  strategy: \"cost+{v}\"\n")},
        new String[] {"routes.table row", MINIMAL.replace("normal: [model-a]", "normal: [model-a, \"{v}\"]")},
        new String[] {"routes.fallbacks", MINIMAL + "  fallbacks:\n    model-a: [\"{v}\"]\n"},
        new String[] {"timeouts.deadline", MINIMAL + "timeouts:\n  deadline: \"{v}\"\n"},
        new String[] {"retry.rounds", MINIMAL + "retry:\n  rounds: \"{v}\"\n"},
        new String[] {"retry.jitter", MINIMAL + "retry:\n  jitter: \"{v}\"\n"},
        new String[] {"retry.initial_backoff", MINIMAL + "retry:\n  initial_backoff: \"{v}\"\n"},
        new String[] {"circuit.when_all_open", MINIMAL + "circuit:\n  when_all_open: \"{v}\"\n"},
        new String[] {"circuit.failure_rate_threshold", MINIMAL + "circuit:\n  failure_rate_threshold: \"{v}\"\n"},
        new String[] {"hedging.enabled", MINIMAL + "hedging:\n  enabled: \"{v}\"\n"},
        new String[] {"hedging.delay", MINIMAL + "hedging:\n  enabled: true\n  delay: \"{v}\"\n"},
        new String[] {"alerts.error_rate", MINIMAL + "alerts:\n  error_rate: \"{v}\"\n"},
        new String[] {"alerts.log", MINIMAL + "alerts:\n  log: \"{v}\"\n"},
        new String[] {"alerts.p95_latency", MINIMAL + "alerts:\n  p95_latency: \"{v}\"\n"},
        new String[] {"budget.caps[0].name (given twice)", MINIMAL + """
            budget:
              caps:
                - {name: "{v}", daily_limit_usd: 1}
                - {name: "{v}", daily_limit_usd: 2}
            """},
        new String[] {"budget.caps[0].daily_limit_usd (zero)", MINIMAL + """
            budget:
              caps:
                - {name: "{v}", daily_limit_usd: 0}
            """},
        new String[] {"budget.caps[0].daily_limit_usd", MINIMAL + """
            budget:
              caps:
                - {name: a, daily_limit_usd: "{v}"}
            """},
        new String[] {"budget.caps[0].action", MINIMAL + """
            budget:
              caps:
                - {name: a, daily_limit_usd: 1, action: "{v}"}
            """},
        new String[] {"deferred.capacity", MINIMAL + "deferred:\n  capacity: \"{v}\"\n"},
        new String[] {"deferred.enabled", MINIMAL + "deferred:\n  enabled: \"{v}\"\n"},
        new String[] {"sandbox seed", sandbox("seed: \"{v}\"")},
        new String[] {"sandbox time_scale", sandbox("time_scale: \"{v}\"")},
        new String[] {"sandbox profile", sandbox("profiles:\n      model-a: {mean_latency: \"{v}\"}")},
        new String[] {"sandbox fault", sandbox("faults:\n      model-a: \"{v}\"")}));
    List<Arguments> cases = new ArrayList<>();
    for (String[] field : fields) {
      for (String value : List.of(CANARY, "${SD_CANARY}", "x-${SD_CANARY}-y")) {
        cases.add(Arguments.of(field[0], value, field[1].replace("{v}", value)));
      }
    }
    return cases.stream();
  }

  private static String model(String line) {
    return MINIMAL.replace("provider: local", "provider: local\n    " + line);
  }

  private static String sandbox(String line) {
    return MINIMAL.replace("type: openai\n    base_url: http://127.0.0.1:9/v1", "type: sandbox\n    " + line);
  }

  @ParameterizedTest(name = "{0} = {1}")
  @MethodSource("fields")
  void a_canary_in_any_field_is_never_shown(String field, String value, String yaml, @TempDir Path dir)
      throws Exception {
    // given
    Path file = Files.writeString(dir.resolve("gateway.yaml"), yaml);
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = SheepdogCli.commandLine(env::get);
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));

    // when
    int code = cli.execute("check-config", file.toString());

    // then
    assertThatThrownBy(() -> ConfigLoader.create().withEnvironment(env::get).parse(yaml, "gateway.yaml"))
        .isInstanceOf(ConfigException.class)
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain(CANARY));
    assertThat(code).isEqualTo(SheepdogCli.EXIT_FAILED);
    assertThat(out.toString() + err).doesNotContain(CANARY);
  }

  @Test
  void a_decimal_with_a_huge_exponent_is_a_bounded_problem() {
    // given: a price whose plain form would have a billion digits
    String yaml = MINIMAL.replace("    provider: local\n",
        "    provider: local\n    price: {input: 1e999999999, output: -1e-999999999}\n");
    // when
    String message = message(yaml);
    // then
    assertThat(message).contains("models[0].price.input: is out of range")
        .contains("models[0].price.output: is out of range").hasSizeLessThan(1_000);
  }
}
