package dev.sheepdog.gateway.plugin;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

/** Plug-in jars built by tests: sources compiled against the test's classpath and packed with their service entry. */
public final class PluginJars {
  /**
   * A plug-in {@code canned}: a provider type {@code canned} that answers with its {@code reply} key,
   * and a strategy {@code last-first} that plans the catalog backwards.
   */
  public static final Map<String, String> CANNED = Map.of(
      "com/example/canned/CannedPlugin.java", """
          package com.example.canned;

          import dev.sheepdog.gateway.config.PreparedProvider;
          import dev.sheepdog.gateway.plugin.SheepdogPlugin;
          import dev.sheepdog.spi.SelectionStrategy;
          import java.util.ArrayList;
          import java.util.Collections;
          import java.util.List;

          public final class CannedPlugin implements SheepdogPlugin {
            @Override
            public String name() {
              return "canned";
            }

            @Override
            public void register(Registrar registrar) {
              registrar.providerType("canned", (section, name) -> {
                String reply = section.requiredString("reply").orElse("");
                int tokens = section.integer("tokens", 3, 1, 1_000);
                return PreparedProvider.of("replies '" + reply + "'",
                    context -> new CannedProvider(context.id(), reply, tokens));
              });
              registrar.strategy("last-first", () -> (SelectionStrategy) (request, candidates) -> {
                List<dev.sheepdog.spi.Candidate> plan = new ArrayList<>(candidates);
                Collections.reverse(plan);
                return plan;
              });
            }
          }
          """,
      "com/example/canned/CannedProvider.java", """
          package com.example.canned;

          import dev.sheepdog.spi.CallOptions;
          import dev.sheepdog.spi.ChatChunk;
          import dev.sheepdog.spi.ChatProvider;
          import dev.sheepdog.spi.ChatRequest;
          import dev.sheepdog.spi.ChatResponse;
          import dev.sheepdog.spi.ModelSpec;
          import dev.sheepdog.spi.ProviderId;
          import dev.sheepdog.spi.StreamHandle;
          import dev.sheepdog.spi.StreamListener;
          import dev.sheepdog.spi.Usage;
          import java.util.concurrent.CompletableFuture;

          final class CannedProvider implements ChatProvider {
            private final ProviderId id;
            private final String reply;
            private final int tokens;

            CannedProvider(ProviderId id, String reply, int tokens) {
              this.id = id;
              this.reply = reply;
              this.tokens = tokens;
            }

            @Override
            public ProviderId id() {
              return id;
            }

            @Override
            public CompletableFuture<ChatResponse> complete(ModelSpec model, ChatRequest request, CallOptions options) {
              return CompletableFuture.completedFuture(
                  ChatResponse.of("canned-1", model.upstreamName(), reply, "stop", new Usage(tokens, tokens)));
            }

            @Override
            public StreamHandle stream(ModelSpec model, ChatRequest request, CallOptions options,
                StreamListener listener) {
              listener.onChunk(ChatChunk.ofText("canned-1", model.upstreamName(), reply, "stop"));
              listener.onComplete();
              return () -> {};
            }
          }
          """);

  /** The plug-in class of {@link #CANNED}. */
  public static final String CANNED_PLUGIN = "com.example.canned.CannedPlugin";

  private PluginJars() {}

  /**
   * Compiles {@code sources} against the test's classpath and packs them, with their service entry
   * naming {@code pluginClass} (none if {@code null}), into {@code jar}.
   */
  public static Path build(Path jar, Map<String, String> sources, String pluginClass) throws IOException {
    Path work = Files.createTempDirectory("sheepdog-plugin-build");
    try {
      Path src = Files.createTempDirectory(work, "src");
      Path classes = Files.createTempDirectory(work, "classes");
      for (Map.Entry<String, String> source : sources.entrySet()) {
        Path file = src.resolve(source.getKey());
        Files.createDirectories(file.getParent());
        Files.writeString(file, source.getValue());
      }
      if (!sources.isEmpty()) {
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        List<String> args = new ArrayList<>(List.of("--release", "17", "-d", classes.toString(),
            "-classpath", System.getProperty("java.class.path")));
        try (Stream<Path> files = Files.walk(src)) {
          files.filter(f -> f.toString().endsWith(".java")).forEach(f -> args.add(f.toString()));
        }
        int code = javac.run(null, null, null, args.toArray(String[]::new));
        assertThat(code).as("the plug-in compiles").isZero();
      }
      try (OutputStream file = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(file)) {
        try (Stream<Path> files = Files.walk(classes)) {
          for (Path clazz : files.filter(Files::isRegularFile).toList()) {
            out.putNextEntry(new JarEntry(classes.relativize(clazz).toString().replace('\\', '/')));
            out.write(Files.readAllBytes(clazz));
            out.closeEntry();
          }
        }
        if (pluginClass != null) {
          out.putNextEntry(new JarEntry("META-INF/services/" + SheepdogPlugin.class.getName()));
          out.write((pluginClass + "\n").getBytes(StandardCharsets.UTF_8));
          out.closeEntry();
        }
      }
    } finally {
      deleteTree(work);
    }
    return jar;
  }

  private static void deleteTree(Path root) throws IOException {
    try (Stream<Path> files = Files.walk(root)) {
      for (Path file : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(file);
      }
    }
  }
}
