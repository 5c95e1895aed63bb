package dev.sheepdog.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sheepdog.core.FleetSettings;
import dev.sheepdog.gateway.cli.CheckConfigAccess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The YAML of docs/scaling.md loads as the page says, and check-config prints the line it shows. */
class ScalingDocSampleTest {
  private static final Map<String, String> ENV = Map.of("SHEEPDOG_CLIENT_KEY", "sk-check",
      "SHEEPDOG_ADMIN_KEY", "sk-check-admin", "SHEEPDOG_REDIS_PASSWORD", "a-redis-password-0");

  private static String page() throws Exception {
    return Files.readString(ExamplesTest.example("x").getParent().resolveSibling(Path.of("docs", "scaling.md")));
  }

  /** The first YAML block after {@code marker}. */
  private static String yamlAfter(String page, String marker) {
    int at = page.indexOf(marker);
    assertThat(at).as(marker).isNotNegative();
    Matcher block = Pattern.compile("```yaml\n(.*?)```", Pattern.DOTALL).matcher(page);
    assertThat(block.find(at)).isTrue();
    return block.group(1);
  }

  @Test
  void the_state_section_loads_with_the_defaults_it_shows() throws Exception {
    // when
    ConfigFile config = ConfigLoader.create().withEnvironment(ENV::get).parse("""
        providers: {p: {type: sandbox}}
        models: [{id: gpt-4.1, provider: p}]
        routes: {table: {general: {normal: [gpt-4.1]}}}
        """ + yamlAfter(page(), "## The `state` section"), "scaling.md");
    // then
    ConfigFile.State state = config.state();
    assertThat(state.store()).isEqualTo(ConfigFile.State.Store.REDIS);
    assertThat(state.redis().uri()).isEqualTo("redis://redis.internal:6379/0");
    assertThat(state.redis().password()).isNotNull();
    assertThat(state.redis().hotPathTimeout().toMillis()).isEqualTo(5);
    assertThat(state.fleet()).isEqualTo(new FleetSettings(2, FleetSettings.OnStoreFailure.LOCAL,
        java.time.Duration.ofMillis(500)));
    // and check-config prints the line the page shows
    assertThat(page()).contains("state      " + CheckConfigAccess.describe(state));
  }

  @Test
  void the_fleet_yaml_of_checking_that_it_works_loads() throws Exception {
    // when
    ConfigFile config = ConfigLoader.create().withEnvironment(ENV::get)
        .parse(yamlAfter(page(), "`fleet.yaml`:"), "fleet.yaml");
    // then
    assertThat(config.state().store()).isEqualTo(ConfigFile.State.Store.REDIS);
    assertThat(config.state().fleet().instances()).isEqualTo(2);
    assertThat(config.catalog().size()).isEqualTo(2);
  }
}
