package dev.sheepdog.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sheepdog.core.Router;
import dev.sheepdog.spi.FailureKind;
import dev.sheepdog.testkit.Outcome;
import dev.sheepdog.testkit.ScriptedProvider;
import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The samples of docs/configuration.md. */
class ConfigDocSampleTest {
  private final Path examples = ExamplesTest.example("holysheep.yaml").getParent();

  @Test
  void from_code() {
    URI seen;
    int models;
    // --- sample: from code ---
    Map<String, String> env = Map.of("HOLYSHEEP_API_KEY", "sk-holysheep-...", "SHEEPDOG_CLIENT_KEY", "sk-team-a");
    ConfigFile config = ConfigLoader.create()                  // System.getenv unless told otherwise
        .withEnvironment(env::get)
        .load(examples.resolve("holysheep.yaml"));             // a ConfigException lists every problem
    config = config.withServer(config.server().withPort(0));  // any free port
    try (RunningGateway gateway = RunningGateway.start(config)) {
      URI baseUrl = gateway.uri().resolve("/v1");             // point OpenAI clients here
      Router router = gateway.router();                       // health, spend, alerts
      // --- end sample ---
      seen = baseUrl;
      models = router.catalog().size();
    }
    assertThat(seen.toString()).startsWith("http://127.0.0.1:").endsWith("/v1");
    assertThat(models).isEqualTo(6);
  }

  @Test
  void provider_types() {
    // --- sample: provider types ---
    ProviderFactory scripted = (section, name) -> {
      int failures = section.integer("failures", 0, 0, 100);  // its own key: typed, checked, with its line
      return PreparedProvider.of("scripted, failing " + failures + " times first", context -> {
        ScriptedProvider provider = ScriptedProvider.create(context.id().value(), context.scheduler());
        context.models().forEach(model -> provider.model(model.id())
            .times(failures, Outcome.fail(FailureKind.UNAVAILABLE)).thenAlways(Outcome.ok()));
        return provider;
      });
    };
    ConfigLoader loader = ConfigLoader.create()
        .withProviderTypes(ProviderTypes.builtIn().with("scripted", scripted));
    // --- end sample ---
    ConfigFile config = loader.parse("""
        providers: {fake: {type: scripted, failures: 2}}
        models: [{id: m, provider: fake}]
        routes: {table: {general: {normal: [m]}}}
        """, "gateway.yaml");
    assertThat(config.providers().get("fake").prepared().describe()).isEqualTo("scripted, failing 2 times first");
  }
}
