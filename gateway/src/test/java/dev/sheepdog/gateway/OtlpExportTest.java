package dev.sheepdog.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.sheepdog.gateway.config.ConfigFile;
import dev.sheepdog.gateway.config.ConfigLoader;
import dev.sheepdog.gateway.config.RunningGateway;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * The real exporter: a gateway with {@code telemetry.otlp} posts its spans as OTLP/HTTP protobuf
 * to a local receiver's {@code /v1/traces}, with the headers of {@code headers_env}, and flushes
 * them when it closes.
 */
class OtlpExportTest {
  private static final String TRACE_ID = "0af7651916cd43dd8448eb211c80319c";

  /** One POST the receiver got. */
  private record Export(String path, String contentType, String authorization, byte[] body) {}

  @Test
  void spans_arrive_at_the_collector_as_protobuf_with_the_configured_headers() throws Exception {
    // given: a collector that keeps what it is sent
    List<Export> exports = new CopyOnWriteArrayList<>();
    HttpServer collector = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    collector.createContext("/", exchange -> {
      byte[] body = exchange.getRequestBody().readAllBytes();
      exports.add(new Export(exchange.getRequestURI().getPath(), exchange.getRequestHeaders().getFirst("Content-Type"),
          exchange.getRequestHeaders().getFirst("Authorization"), body));
      exchange.getResponseHeaders().add("Content-Type", "application/x-protobuf");
      exchange.sendResponseHeaders(200, -1);
      exchange.close();
    });
    collector.start();
    try (Upstream upstream = new Upstream()) {
      upstream.enqueue(Upstream.json(200, Upstream.answer("exported")));
      String yaml = """
          server: {port: 0}
          auth: {client_keys_env: [CLIENT_KEY]}
          providers:
            up: {type: openai, base_url: %s}
          models:
            - {id: model-a, provider: up}
          routes:
            table:
              general: {normal: [model-a]}
          state: {store: memory}
          telemetry:
            otlp:
              endpoint: http://127.0.0.1:%d
              headers_env: OTLP_HEADERS
          """.formatted(upstream.server.url("/v1"), collector.getAddress().getPort());
      ConfigFile config = ConfigLoader.create()
          .withEnvironment(Map.of("OTLP_HEADERS", "Authorization=Bearer collector-token", "CLIENT_KEY", "sk-client-42")::get)
          .parse(yaml, "gateway.yaml");
      HttpResponse<String> reply;
      // when: one request, then the gateway closes (which flushes the batch)
      try (RunningGateway gateway = RunningGateway.start(config)) {
        reply = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create(gateway.uri() + "/v1/chat/completions"))
            .timeout(Duration.ofSeconds(10))
            .header("Authorization", "Bearer sk-client-42")
            .header("traceparent", "00-" + TRACE_ID + "-b7ad6b7169203331-01")
            .POST(HttpRequest.BodyPublishers.ofString(
                "{\"model\":\"model-a\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}"))
            .build(), HttpResponse.BodyHandlers.ofString());
      }
      // then
      assertThat(reply.statusCode()).isEqualTo(200);
      assertThat(exports).isNotEmpty().allSatisfy(export -> {
        assertThat(export.path()).isEqualTo("/v1/traces");
        assertThat(export.contentType()).isEqualTo("application/x-protobuf");
        assertThat(export.authorization()).isEqualTo("Bearer collector-token");
      });
      ByteArrayOutputStream all = new ByteArrayOutputStream();
      exports.forEach(export -> all.writeBytes(export.body()));
      byte[] bytes = all.toByteArray();
      // protobuf keeps strings and the 16 bytes of a trace id as they are
      assertThat(contains(bytes, "chat model-a".getBytes(StandardCharsets.UTF_8))).as("the span names").isTrue();
      assertThat(contains(bytes, "gen_ai.usage.input_tokens".getBytes(StandardCharsets.UTF_8))).isTrue();
      assertThat(contains(bytes, "sheepdog-gateway".getBytes(StandardCharsets.UTF_8))).as("service.name").isTrue();
      assertThat(contains(bytes, HexFormat.of().parseHex(TRACE_ID))).as("the caller's trace id").isTrue();
    } finally {
      collector.stop(0);
    }
  }

  private static boolean contains(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return true;
    }
    return false;
  }
}
