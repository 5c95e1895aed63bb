package dev.sheepdog.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sheepdog.gateway.TelemetrySettings;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The {@code telemetry} section: off by default, its keys, its problems by file and line, its secrecy. */
class TelemetryConfigTest {
  private static final Map<String, String> ENV = Map.of("OTLP_HEADERS",
      "Authorization=Bearer otlp-SECRET-77,X-Scope-OrgID=tenant%2D1", "BAD_HEADERS", "Bearer otlp-SECRET-77");

  private ConfigFile load(String yaml) {
    return ConfigLoader.create().withEnvironment(ENV::get).parse(ConfigLoaderTest.MINIMAL + yaml, "gateway.yaml");
  }

  private String problems(String yaml) {
    try {
      load(yaml);
    } catch (ConfigException e) {
      return String.join("\n", e.problems().stream().map(ConfigProblem::toString).toList());
    }
    throw new AssertionError("the configuration was accepted");
  }

  @Test
  void traces_are_off_without_a_telemetry_section() {
    // when
    TelemetrySettings telemetry = load("").telemetry();
    // then
    assertThat(telemetry.enabled()).isFalse();
    assertThat(telemetry.captureContent()).isFalse();
    assertThat(telemetry.describe()).isEqualTo("off");
  }

  @Test
  void an_otlp_endpoint_turns_traces_on_with_headers_from_the_environment() {
    // when
    TelemetrySettings telemetry = load("""
        telemetry:
          otlp:
            endpoint: http://collector:4318
            headers_env: OTLP_HEADERS
            sample_ratio: 0.25
          capture_content: true
        """).telemetry();
    // then
    assertThat(telemetry.enabled()).isTrue();
    assertThat(telemetry.endpoint()).isEqualTo(URI.create("http://collector:4318"));
    assertThat(telemetry.tracesUrl()).isEqualTo("http://collector:4318/v1/traces");
    assertThat(telemetry.headers()).containsExactly(Map.entry("Authorization", "Bearer otlp-SECRET-77"),
        Map.entry("X-Scope-OrgID", "tenant-1"));
    assertThat(telemetry.sampleRatio()).isEqualTo(0.25);
    assertThat(telemetry.captureContent()).isTrue();
    assertThat(telemetry.describe()).isEqualTo("OTLP/HTTP to http://collector:4318/v1/traces, sample ratio 0.25, "
        + "headers [Authorization, X-Scope-OrgID] from OTLP_HEADERS, message content captured");
    assertThat(telemetry.toString()).doesNotContain("SECRET");
  }

  @Test
  void the_sample_of_the_configuration_page_loads() throws Exception {
    // given
    String page = Files.readString(ExamplesTest.example("x").getParent().resolveSibling(
        Path.of("docs", "configuration.md")));
    Matcher block = Pattern.compile("```yaml\n(.*?)```", Pattern.DOTALL).matcher(page);
    assertThat(block.find(page.indexOf("## `telemetry`"))).isTrue();
    // when
    TelemetrySettings telemetry = ConfigLoader.create()
        .withEnvironment(Map.of("SHEEPDOG_OTLP_HEADERS", "Authorization=Bearer x")::get)
        .parse(ConfigLoaderTest.MINIMAL + block.group(1), "configuration.md").telemetry();
    // then
    assertThat(telemetry.tracesUrl()).isEqualTo("http://localhost:4318/v1/traces");
    assertThat(telemetry.headers()).containsOnlyKeys("Authorization");
    assertThat(telemetry.sampleRatio()).isEqualTo(0.25);
    assertThat(telemetry.captureContent()).isFalse();
  }

  @Test
  void a_full_traces_url_is_kept_as_it_is() {
    assertThat(load("telemetry: {otlp: {endpoint: 'https://otlp.example.com/v1/traces'}}\n").telemetry().tracesUrl())
        .isEqualTo("https://otlp.example.com/v1/traces");
  }

  @Test
  void bad_keys_are_reported_with_their_file_line_and_field() {
    // when
    String problems = problems("""
        telemetry:
          otlp:
            endpoint: collector:4318
            sample_ratio: 2
            header: Authorization=Bearer x
          capture: true
        """);
    // then
    assertThat(problems)
        .contains("gateway.yaml:14: telemetry.otlp.endpoint: expected the collector's http:// or https:// URL")
        .contains("gateway.yaml:15: telemetry.otlp.sample_ratio: must be between 0.0 and 1.0")
        .contains("gateway.yaml:16: telemetry.otlp.header: unknown key")
        .contains("gateway.yaml:17: telemetry.capture: unknown key (known: capture_content, otlp)");
  }

  @Test
  void headers_in_clear_or_malformed_are_refused_without_showing_them() {
    // when
    String inClear = problems("telemetry: {otlp: {endpoint: 'http://c:4318', headers: 'Authorization=Bearer x'}}\n");
    String malformed = problems("telemetry: {otlp: {endpoint: 'http://c:4318', headers_env: BAD_HEADERS}}\n");
    String missing = problems("telemetry: {otlp: {sample_ratio: 0.5}}\n");
    // then
    assertThat(inClear).contains("telemetry.otlp.headers").contains("headers_env");
    assertThat(malformed).contains("telemetry.otlp.headers_env: the variable BAD_HEADERS must hold name=value pairs")
        .doesNotContain("SECRET");
    assertThat(missing).contains("telemetry.otlp.endpoint: is required for otlp");
  }
}
