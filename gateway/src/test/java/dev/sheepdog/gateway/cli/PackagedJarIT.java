package dev.sheepdog.gateway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sheepdog.gateway.plugin.PluginJars;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What users run: {@code java -jar sheepdog.jar serve}, the shaded jar as {@code mvn package}
 * made it (run by the failsafe plugin after the package phase), not the classes of the build.
 */
class PackagedJarIT {
  private static final String CLIENT_KEY = "sk-client-PACKAGED-jar-key";

  @Test
  void the_jar_starts_serves_a_request_and_logs_its_start_line_and_the_request_without_a_logging_warning(
      @TempDir Path dir) throws Exception {
    // given the jar the build packaged, and a configuration on the built-in sandbox (no network)
    Path jar = Path.of(System.getProperty("sheepdog.jar", "target/sheepdog.jar"));
    assertThat(jar).as("the packaged jar (mvn package makes it)").isRegularFile();
    Path config = Files.writeString(dir.resolve("gateway.yaml"), """
        server: {port: 0}
        auth:
          client_keys_env: [SHEEPDOG_CLIENT_KEY]
        providers:
          rehearsal: {type: sandbox, time_scale: 0.01}
        models:
          - {id: model-a, provider: rehearsal, price: {input: 0.40, output: 1.60}}
        routes:
          table: {general: {normal: [model-a]}}
        """);

    // when it serves one request
    try (SheepdogProcess sheepdog = SheepdogProcess.startJar(jar, dir.resolve("sheepdog.log"),
        Map.of("SHEEPDOG_CLIENT_KEY", CLIENT_KEY), "serve", "--config", config.toString())) {
      URI base = sheepdog.awaitReady();
      HttpResponse<String> response = chat(base, "Authorization", "Bearer " + CLIENT_KEY);

      // then it answered, and its output has the start line and the access-log line of the request
      assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
      String requestId = response.headers().firstValue("X-Request-Id").orElseThrow();
      awaitOutput(sheepdog, requestId);
      String output = sheepdog.output();
      assertThat(output).contains("Sheepdog gateway serving 1 models on")
          .containsPattern(requestId + " POST /v1/chat/completions .*model=model-a .*status=200");
      // and a logging backend is in the jar: no SLF4J warning, and no key in the output
      assertThat(output).doesNotContain("SLF4J").doesNotContain(CLIENT_KEY);
      // and it says which JVM it got; on 2 cores the JVM's own choice, G1, comes with the advice to change it
      assertThat(output).containsPattern("JVM: Java \\S+, \\w+ GC");
      if (output.contains("G1 GC") && Runtime.getRuntime().availableProcessors() <= 2) {
        assertThat(output).contains("WARN ServeCommand - JVM: G1 on 2 processors: -XX:+UseParallelGC");
      }
    }
  }

  @Test
  void the_jar_loads_a_plugin_from_the_plugins_directory_and_routes_through_it(@TempDir Path dir) throws Exception {
    // given a plug-in jar in ./plugins of the gateway's working directory, and a file naming its type and strategy
    Path plugins = Files.createDirectories(dir.resolve("plugins"));
    PluginJars.build(plugins.resolve("canned-plugin.jar"), PluginJars.CANNED, PluginJars.CANNED_PLUGIN);
    Path jar = Path.of(System.getProperty("sheepdog.jar", "target/sheepdog.jar")).toAbsolutePath();
    Path config = Files.writeString(dir.resolve("gateway.yaml"), """
        server: {port: 0}
        state: {store: memory}
        providers:
          shop: {type: canned, reply: "canned in a jar"}
        models:
          - {id: model-a, provider: shop}
          - {id: model-b, provider: shop}
        routes:
          strategy: last-first
          table: {general: {normal: [model-a, model-b]}}
        """);

    // when
    try (SheepdogProcess sheepdog = SheepdogProcess.startJar(jar, dir.resolve("sheepdog.log"), Map.of(),
        "serve", "--config", config.toString())) {
      URI base = sheepdog.awaitReady();
      HttpResponse<String> response = chat(base);

      // then the plug-in's provider answered, planned by its strategy, and the start log named the plug-in
      assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
      assertThat(response.body()).contains("canned in a jar");
      assertThat(response.headers().firstValue("X-Sheepdog-Model")).hasValue("model-b");
      assertThat(sheepdog.output()).contains("Plug-in canned (plugins" + java.io.File.separator
          + "canned-plugin.jar): provider types canned; strategies last-first");
    }
  }

  @Test
  void the_launcher_runs_the_jar_with_parallel_gc_on_two_cores_and_serve_says_which_jvm_it_got(@TempDir Path dir)
      throws Exception {
    // given: bin/sheepdog, the jar the build packaged, a sandbox configuration
    Path jar = Path.of(System.getProperty("sheepdog.jar", "target/sheepdog.jar")).toAbsolutePath();
    Path launcher = Path.of(System.getProperty("basedir", "."), "..", "bin", "sheepdog").toAbsolutePath().normalize();
    Path config = Files.writeString(dir.resolve("gateway.yaml"), """
        server: {port: 0}
        state: {store: memory}
        providers:
          rehearsal: {type: sandbox, time_scale: 0.01}
        models:
          - {id: model-a, provider: rehearsal}
        routes:
          table: {general: {normal: [model-a]}}
        """);
    int cores = Integer.parseInt(new String(new ProcessBuilder("nproc").start().getInputStream().readAllBytes()).strip());

    // when
    try (SheepdogProcess sheepdog = SheepdogProcess.startCommand(List.of("bash", launcher.toString()),
        dir.resolve("sheepdog.log"), Map.of("SHEEPDOG_JAR", jar.toString(), "JAVA_HOME", System.getProperty("java.home")),
        "serve", "--config", config.toString())) {
      sheepdog.awaitReady();

      // then: the start says which JVM, collector, heap and processors it runs with
      awaitOutput(sheepdog, "JVM: Java");
      String output = sheepdog.output();
      assertThat(output).containsPattern("JVM: Java \\S+, \\w+ GC, heap up to [0-9.]+ GiB, \\d+ processors?");
      if (cores <= 2) {
        assertThat(output).contains("Parallel GC").doesNotContain("serves about twice the requests");
      }
    }
  }

  /** One chat completion for {@code auto}, with {@code headers} (name, value, …) besides its content type. */
  private static HttpResponse<String> chat(URI base, String... headers) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve("/v1/chat/completions"))
        .timeout(Duration.ofSeconds(20))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(
            "{\"model\":\"auto\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}"));
    for (int i = 0; i < headers.length; i += 2) {
      request.header(headers[i], headers[i + 1]);
    }
    return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static void awaitOutput(SheepdogProcess sheepdog, String text) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!sheepdog.output().contains(text) && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
  }
}
