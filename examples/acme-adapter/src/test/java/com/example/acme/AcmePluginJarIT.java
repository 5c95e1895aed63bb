package com.example.acme;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the page promises: this module's jar as {@code mvn package} makes it (its own classes only),
 * dropped in {@code plugins/}, is loaded by the packaged {@code sheepdog.jar}, which ships
 * adapter-http, and serves a request through a local Acme.
 */
class AcmePluginJarIT {
  private static final Pattern READY = Pattern.compile("OpenAI base URL (http://\\S+)/v1");

  @Test
  void the_packaged_gateway_loads_the_plugin_jar_and_answers_through_acme(@TempDir Path dir) throws Exception {
    // given: the plug-in jar in ./plugins, a local Acme, and a file naming type acme
    Path pluginJar = pluginJar();
    Path plugins = Files.createDirectories(dir.resolve("plugins"));
    Files.copy(pluginJar, plugins.resolve(pluginJar.getFileName()));
    try (MockWebServer acme = new MockWebServer()) {
      acme.start();
      acme.enqueue(new MockResponse.Builder().code(200).setHeader("Content-Type", "application/json")
          .body("{\"text\":\"hello from acme\",\"input_tokens\":3,\"output_tokens\":4}").build());
      Path config = Files.writeString(dir.resolve("gateway.yaml"), """
          server: {port: 0}
          state: {store: memory}
          providers:
            acme: {type: acme, base_url: "%s"}
          models:
            - {id: acme-small, provider: acme, price: {input: 1, output: 2}}
          routes:
            table: {general: {normal: [acme-small]}}
          """.formatted(acme.url("/v1")));
      Path log = dir.resolve("sheepdog.log");
      ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-jar", gatewayJar().toString(), "serve", "--config", config.toString())
          .directory(dir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
      builder.environment().put(AcmeProviderFactory.DEFAULT_KEY_ENV, "sk-acme-PLUGIN-test-key");
      Process gateway = builder.start();
      try {
        // when
        URI base = awaitReady(gateway, log);
        HttpResponse<String> answer = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                base.resolve("/v1/chat/completions"))
            .timeout(Duration.ofSeconds(20))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(
                "{\"model\":\"auto\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}"))
            .build(), HttpResponse.BodyHandlers.ofString());

        // then
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        assertThat(answer.body()).contains("hello from acme");
        assertThat(acme.takeRequest(5, TimeUnit.SECONDS).getHeaders().get("Authorization"))
            .isEqualTo("Bearer sk-acme-PLUGIN-test-key");
        assertThat(Files.readString(log)).contains("Plug-in acme (plugins" + java.io.File.separator
            + pluginJar.getFileName() + "): provider types acme").doesNotContain("sk-acme-PLUGIN-test-key");
      } finally {
        gateway.destroy();
        gateway.waitFor(20, TimeUnit.SECONDS);
      }
    }
  }

  /** The jar {@code mvn package} made of this module. */
  private static Path pluginJar() throws IOException {
    try (Stream<Path> files = Files.list(Path.of("target"))) {
      Path jar = files.filter(f -> f.getFileName().toString().matches("acme-adapter-.*\\.jar")
          && !f.getFileName().toString().endsWith("-tests.jar")).findFirst().orElseThrow();
      // its own classes only: adapter-http comes with the gateway
      try (var zip = new java.util.zip.ZipFile(jar.toFile())) {
        assertThat(zip.stream().map(java.util.zip.ZipEntry::getName))
            .contains("com/example/acme/AcmeProvider.class")
            .noneMatch(name -> name.startsWith("dev/sheepdog/"));
      }
      return jar.toAbsolutePath();
    }
  }

  private static Path gatewayJar() {
    Path jar = Path.of(System.getProperty("sheepdog.jar", "../../gateway/target/sheepdog.jar")).toAbsolutePath()
        .normalize();
    assertThat(jar).as("the packaged gateway (mvn package in gateway makes it)").isRegularFile();
    return jar;
  }

  private static URI awaitReady(Process gateway, Path log) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline && gateway.isAlive()) {
      Matcher ready = READY.matcher(Files.readString(log));
      if (ready.find()) {
        return URI.create(ready.group(1));
      }
      Thread.sleep(50);
    }
    throw new AssertionError("the gateway did not start:\n" + Files.readString(log));
  }
}
