package dev.sheepdog.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sheepdog.core.RouteTableStrategy;
import dev.sheepdog.spi.Priority;
import dev.sheepdog.spi.TaskType;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The commented examples of examples/ load and check, with dummy keys in the environment. */
class ExamplesTest {
  static Path example(String name) {
    return Path.of(System.getProperty("basedir", "."), "..", "examples", name).normalize();
  }

  @Test
  void holysheep_example_has_the_tutorial_models_and_table() {
    // given
    Map<String, String> env = Map.of("HOLYSHEEP_API_KEY", "sk-holysheep-dummy0", "SHEEPDOG_CLIENT_KEY", "sk-c1");
    // when
    ConfigFile config = ConfigLoader.create().withEnvironment(env::get).load(example("holysheep.yaml"));
    // then
    assertThat(config.catalog().size()).isEqualTo(6);
    assertThat(config.providers().get("holysheep").prepared().describe())
        .isEqualTo("https://api.holysheep.ai/v1, key from HOLYSHEEP_API_KEY");
    var deepseek = config.catalog().require(dev.sheepdog.spi.ModelId.of("deepseek-chat"));
    assertThat(deepseek.price().inputUsdPerMillion()).isEqualByComparingTo(new BigDecimal("0.42"));
    assertThat(deepseek.limits().requestsPerMinute()).isEqualTo(2000);
    assertThat(deepseek.limits().tokensPerMinute()).isEqualTo(1_000_000);
    RouteTableStrategy tutorial = RouteTableStrategy.tutorialDefaults();
    for (TaskType task : tutorial.tasks()) {
      for (Priority priority : Priority.values()) {
        assertThat(config.routes().table().row(task, priority)).as(task + ":" + priority)
            .isEqualTo(tutorial.row(task, priority));
      }
    }
  }

  @Test
  void two_upstreams_example_loads() {
    // given
    Map<String, String> env = Map.of("OPENAI_API_KEY", "sk-dummy", "SHEEPDOG_CLIENT_KEY", "sk-c1",
        "SHEEPDOG_ADMIN_KEY", "sk-a1");
    // when
    ConfigFile config = ConfigLoader.create().withEnvironment(env::get).load(example("two-upstreams.yaml"));
    // then
    assertThat(config.providers()).containsOnlyKeys("openai", "local");
    assertThat(config.providers().get("local").prepared().describe()).isEqualTo("http://127.0.0.1:11434/v1, no key");
    assertThat(config.routes().fallbacks()).hasSize(3);
    assertThat(config.hedging()).isPresent();
  }
}
