package dev.sheepdog.gateway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code sheepdog check-config}, {@code --help} and {@code --version}, run in process. */
class CheckConfigCommandTest {
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(Map<String, String> env, String... args) {
    CommandLine cli = SheepdogCli.commandLine(env::get);
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    return cli.execute(args);
  }

  static Path example(String name) {
    return Path.of(System.getProperty("basedir", "."), "..", "examples", name).normalize();
  }

  @Test
  void a_valid_file_exits_0_with_a_summary() {
    // given
    Map<String, String> env = Map.of("HOLYSHEEP_API_KEY", "sk-holysheep-SECRET-42", "SHEEPDOG_CLIENT_KEY",
        "sk-client-SECRET-43");
    // when
    int code = run(env, "check-config", example("holysheep.yaml").toString());
    // then
    assertThat(code).isZero();
    assertThat(err.toString()).isEmpty();
    assertThat(out.toString())
        .contains("holysheep.yaml is valid.")
        .contains("holysheep              holysheep, https://api.holysheep.ai/v1, key from HOLYSHEEP_API_KEY")
        .contains("models     6")
        .contains("deepseek-chat                    holysheep, $0.42 / $1.68 per 1M tokens, 2000 rpm, 1000000 tpm")
        .contains("code_generation:high         gpt-4.1 → claude-sonnet-4-20250514")
        .contains("model=gpt-4.1                gpt-4.1 → claude-sonnet-4-20250514 → gpt-4.1-mini")
        .contains("1 client key(s) from SHEEPDOG_CLIENT_KEY")
        .contains("state      file " + Path.of("sheepdog-state", "state.db").toAbsolutePath()
            + " (SQLite; spend written every 100 ms)")
        .contains("deferred   up to 1000 queued (100 per client); replayed on their own, backoff 5 s to 300 s, "
            + "5 attempts, lease 300 s; callbacks off")
        .doesNotContain("SECRET");
  }

  @Test
  void the_summary_has_a_telemetry_line_naming_the_headers_but_not_their_values(@TempDir Path dir) throws Exception {
    // given
    Path file = Files.writeString(dir.resolve("gateway.yaml"), """
        providers:
          up: {type: openai, base_url: "http://127.0.0.1:9/v1"}
        models:
          - {id: model-a, provider: up}
        routes:
          table: {general: {normal: [model-a]}}
        telemetry:
          otlp: {endpoint: 'http://localhost:4318', headers_env: OTLP_HEADERS}
        """);
    // when
    int code = run(Map.of("OTLP_HEADERS", "Authorization=Bearer otlp-SECRET-77"), "check-config", file.toString());
    // then
    assertThat(code).isZero();
    assertThat(out.toString())
        .contains("  telemetry  OTLP/HTTP to http://localhost:4318/v1/traces, sample ratio 1.0, headers "
            + "[Authorization] from OTLP_HEADERS, no message content")
        .doesNotContain("SECRET");
  }

  @Test
  void an_invalid_file_exits_1_listing_every_problem(@TempDir Path dir) throws Exception {
    // given
    Path file = Files.writeString(dir.resolve("gateway.yaml"), """
        server:
          prot: 8080
        providers:
          up: {type: openai, base_url: "http://127.0.0.1:9/v1", api_key_env: MISSING_KEY}
        models:
          - {id: model-a, provider: up}
        routes:
          table: {general: {normal: [model-a]}}
        """);
    // when
    int code = run(Map.of(), "check-config", file.toString());
    // then
    assertThat(code).isEqualTo(SheepdogCli.EXIT_FAILED);
    assertThat(out.toString()).isEmpty();
    assertThat(err.toString()).contains(file + ":2: server.prot: unknown key; did you mean port?")
        .contains(file + ":4: providers.up.api_key_env: environment variable MISSING_KEY is not set")
        .contains("2 problems found.");
  }

  @Test
  void serve_with_a_corrupt_state_file_exits_1_with_one_line_naming_the_file_and_the_fix(@TempDir Path dir)
      throws Exception {
    // given a state file that is not a database
    Path state = Files.createDirectories(dir.resolve("state"));
    Files.writeString(state.resolve("state.db"), "not a database, just some text that is long enough".repeat(100));
    Path file = Files.writeString(dir.resolve("gateway.yaml"), """
        server: {port: 0}
        providers:
          up: {type: openai, base_url: "http://127.0.0.1:9/v1", api_key_env: UP_KEY}
        models:
          - {id: model-a, provider: up}
        routes:
          table: {general: {normal: [model-a]}}
        state: {path: '%s'}
        """.formatted(state));
    // when
    int code = run(Map.of("UP_KEY", "sk-up-SECRET-1"), "serve", "--config", file.toString());
    // then
    assertThat(code).isEqualTo(SheepdogCli.EXIT_FAILED);
    assertThat(err.toString().lines().toList()).singleElement().asString()
        .startsWith("sheepdog: state file " + state.resolve("state.db") + " is not a Sheepdog state database")
        .contains("move it away to start empty, or restore it from a backup")
        .doesNotContain("SECRET");
  }

  @Test
  void a_missing_argument_is_a_usage_error() {
    assertThat(run(Map.of(), "check-config")).isEqualTo(SheepdogCli.EXIT_USAGE);
    assertThat(err.toString()).contains("Missing required parameter: 'FILE'").contains("Usage: sheepdog check-config");
  }

  @Test
  void help_lists_the_commands_with_their_descriptions() {
    assertThat(run(Map.of(), "--help")).isZero();
    assertThat(out.toString()).contains("Usage: sheepdog [-hV] [--log-level=LEVEL] COMMAND")
        .contains("serve         Starts the gateway from a YAML configuration file")
        .contains("check-config  Checks a configuration file without starting anything")
        .contains("demo          Starts the gateway on a loopback port in front of simulated")
        .contains("Try it: sheepdog demo");
  }

  @Test
  void help_of_serve_shows_its_options() {
    assertThat(run(Map.of(), "help", "serve")).isZero();
    assertThat(out.toString()).contains("-c, --config=FILE").contains("--port=PORT").contains("SIGTERM");
  }

  @Test
  void version_names_sheepdog() {
    assertThat(run(Map.of(), "--version")).isZero();
    assertThat(out.toString()).startsWith("sheepdog ");
  }

  @Test
  void serve_with_an_invalid_file_exits_1_without_starting(@TempDir Path dir) throws Exception {
    Path file = Files.writeString(dir.resolve("gateway.yaml"), "models: []\n");
    assertThat(run(Map.of(), "serve", "--config", file.toString())).isEqualTo(SheepdogCli.EXIT_FAILED);
    assertThat(err.toString()).contains(file + ":1: providers: is required but missing");
  }
}
