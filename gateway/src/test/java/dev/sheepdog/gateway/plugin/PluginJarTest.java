package dev.sheepdog.gateway.plugin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sheepdog.gateway.cli.SheepdogCli;
import dev.sheepdog.gateway.config.ConfigException;
import dev.sheepdog.gateway.config.ConfigFile;
import dev.sheepdog.gateway.config.ConfigLoader;
import dev.sheepdog.gateway.config.RunningGateway;
import dev.sheepdog.spi.SelectionStrategy;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A plug-in jar compiled and packed by the test itself (so that its classes are on no classpath
 * but the jar's), dropped in a plug-in directory: the gateway loads it, reads its provider type's
 * keys with file:line errors, names it in {@code check-config}, and routes a request through its
 * provider and its strategy.
 */
class PluginJarTest {
  private static final String YAML = """
      server: {port: 0}
      state: {store: memory}
      providers:
        shop:
          type: canned
          reply: "from the plug-in"
      models:
        - {id: model-a, provider: shop}
        - {id: model-b, provider: shop}
      routes:
        strategy: last-first
        table:
          general: {normal: [model-a, model-b]}
      """;

  @TempDir
  static Path work;

  private static Path plugins;

  @BeforeAll
  static void buildThePluginJar() throws IOException {
    plugins = Files.createDirectories(work.resolve("plugins"));
    PluginJars.build(plugins.resolve("canned-plugin.jar"), PluginJars.CANNED, PluginJars.CANNED_PLUGIN);
  }

  @Test
  void the_gateway_routes_through_the_plugins_provider_and_strategy() throws Exception {
    // given
    Plugins loaded = Plugins.load(getClass().getClassLoader(), plugins);
    ConfigFile config = loaded.configure(ConfigLoader.create()).parse(YAML, "gateway.yaml");

    try (RunningGateway gateway = RunningGateway.start(config)) {
      // when
      HttpResponse<String> answer = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
              gateway.uri().resolve("/v1/chat/completions"))
          .timeout(Duration.ofSeconds(10))
          .header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(
              "{\"model\":\"auto\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"))
          .build(), HttpResponse.BodyHandlers.ofString());

      // then: the provider answered, and the strategy put the last model of the catalog first
      assertThat(answer.statusCode()).isEqualTo(200);
      assertThat(answer.body()).contains("from the plug-in");
      assertThat(answer.headers().firstValue("X-Sheepdog-Model")).hasValue("model-b");
      assertThat(gateway.providers().values()).singleElement()
          .satisfies(provider -> assertThat(provider.getClass().getClassLoader().getName())
              .isEqualTo("sheepdog-plugin:canned-plugin.jar"));
    }
    assertThat(loaded.contributions()).singleElement().hasToString(
        "canned (" + plugins.resolve("canned-plugin.jar") + "): provider types canned; strategies last-first");
  }

  @Test
  void the_plugins_keys_are_checked_with_file_line_and_field() {
    // given
    Plugins loaded = Plugins.load(getClass().getClassLoader(), plugins);
    String yaml = YAML.replace("reply: \"from the plug-in\"", "tokens: many");

    // when / then
    assertThatThrownBy(() -> loaded.configure(ConfigLoader.create()).parse(yaml, "gateway.yaml"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("gateway.yaml:5: providers.shop.reply: is required but missing")
        .hasMessageContaining("gateway.yaml:6: providers.shop.tokens: expected a whole number");
  }

  @Test
  void without_the_plugin_its_type_and_strategy_are_unknown_with_their_lines() {
    assertThatThrownBy(() -> ConfigLoader.create().parse(YAML, "gateway.yaml"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("gateway.yaml:5: providers.shop.type: unknown provider type (known: holysheep, openai, "
            + "sandbox; a plug-in's type needs its jar in plugins/ or --plugins DIR)")
        .hasMessageContaining("gateway.yaml:11: routes.strategy: unknown strategy")
        .hasMessageContaining("a plug-in's strategy needs its jar in plugins/ or --plugins DIR");
  }

  @Test
  void check_config_lists_what_each_plugin_contributed() {
    // given
    Path file = write("gateway.yaml", YAML);

    // when
    Cli result = cli("check-config", "--plugins",
        plugins.toString(), file.toString());

    // then
    assertThat(result.code()).as(result.err()).isZero();
    assertThat(result.out())
        .contains("shop                   canned, replies 'from the plug-in'")
        .contains("routes     strategy last-first")
        .contains("plug-ins   1")
        .containsPattern("canned\\s+" + java.util.regex.Pattern.quote(plugins.resolve("canned-plugin.jar").toString()))
        .contains("provider types: canned")
        .contains("strategies: last-first");
  }

  @Test
  void serve_refuses_a_plugin_directory_that_is_not_there() {
    Cli result = cli("serve", "--plugins",
        work.resolve("missing").toString(), "--config", write("gateway.yaml", YAML).toString());

    assertThat(result.code()).isEqualTo(1);
    assertThat(result.err()).contains("plug-in directory " + work.resolve("missing") + " does not exist");
  }

  @Test
  void a_jar_without_a_plugin_is_refused_naming_it() throws IOException {
    // given
    Path directory = Files.createDirectories(work.resolve("empty-plugin"));
    PluginJars.build(directory.resolve("nothing.jar"), Map.of(), null);

    // when / then
    assertThatThrownBy(() -> Plugins.load(getClass().getClassLoader(), directory))
        .isInstanceOf(PluginException.class)
        .hasMessageContaining(directory.resolve("nothing.jar") + " declares no plug-in")
        .hasMessageContaining("META-INF/services/dev.sheepdog.gateway.plugin.SheepdogPlugin");
  }

  @Test
  void a_name_taken_twice_names_both_owners() throws IOException {
    // given: the same plug-in twice, and one that takes a built-in type
    Path directory = Files.createDirectories(work.resolve("twice"));
    Files.copy(plugins.resolve("canned-plugin.jar"), directory.resolve("a.jar"));
    Files.copy(plugins.resolve("canned-plugin.jar"), directory.resolve("b.jar"));
    SheepdogPlugin openAi = new SheepdogPlugin() {
      @Override
      public String name() {
        return "impostor";
      }

      @Override
      public void register(Registrar registrar) {
        registrar.strategy("cost", () -> (SelectionStrategy) (request, candidates) -> candidates);
      }
    };

    // when / then
    assertThatThrownBy(() -> Plugins.load(getClass().getClassLoader(), directory))
        .isInstanceOf(PluginException.class)
        .hasMessageContaining("plug-in canned (" + directory.resolve("b.jar") + ") registers the provider type "
            + "canned, which plug-in canned (" + directory.resolve("a.jar") + ") already has");
    assertThatThrownBy(() -> Plugins.of(openAi))
        .isInstanceOf(PluginException.class)
        .hasMessageContaining("plug-in impostor (code) registers the strategy cost, which the gateway already has");
  }

  @Test
  void the_configuration_page_shows_this_plugin_as_compiled_here() throws IOException {
    Path page = Path.of(System.getProperty("basedir", "."), "..", "docs", "configuration.md").normalize();
    String plugin = PluginJars.CANNED.get("com/example/canned/CannedPlugin.java");
    assertThat(Files.readString(page).replaceAll("\\s+", " "))
        .contains(plugin.replaceAll("\\s+", " ").strip());
  }

  private record Cli(int code, String out, String err) {}

  private static Cli cli(String... args) {
    java.io.StringWriter out = new java.io.StringWriter();
    java.io.StringWriter err = new java.io.StringWriter();
    picocli.CommandLine command = SheepdogCli.commandLine(name -> null);
    command.setOut(new java.io.PrintWriter(out, true));
    command.setErr(new java.io.PrintWriter(err, true));
    int code = command.execute(args);
    return new Cli(code, out.toString(), err.toString());
  }

  private static Path write(String name, String text) {
    try {
      return Files.writeString(work.resolve(name), text);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
