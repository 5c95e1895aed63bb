package dev.sheepdog.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sheepdog.gateway.config.ConfigFile;
import dev.sheepdog.gateway.config.ConfigLoader;
import dev.sheepdog.gateway.config.RunningGateway;
import dev.sheepdog.spi.Scheduler;
import dev.sheepdog.spi.Ticker;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Traces end to end: a gateway from a YAML file on a random port, a MockWebServer upstream, and
 * the SDK's in-memory exporter in place of OTLP.
 */
class TracingTest {
  private static final String CONFIG = """
      server: {port: 0}
      auth: {client_keys_env: [CLIENT_KEY]}
      providers:
        up: {type: openai, base_url: %s}
      models:
        - {id: model-a, provider: up, price: {input: 8.00, output: 32.00}}
        - {id: model-b, provider: up, price: {input: 1.00, output: 4.00}}
      routes:
        table:
          general: {normal: [model-a, model-b]}
      state: {store: memory}
      """;
  private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
  private static final String PARENT_SPAN_ID = "00f067aa0ba902b7";
  private static final String PROMPT = "What is the capital of Mongolia?";

  private final InMemorySpanExporter spans = InMemorySpanExporter.create();
  private final SdkTracerProvider provider = SdkTracerProvider.builder()
      .addSpanProcessor(SimpleSpanProcessor.create(spans)).build();
  private final OpenTelemetrySdk sdk = OpenTelemetrySdk.builder().setTracerProvider(provider).build();
  private final Upstream upstream = new Upstream();
  private final HttpClient http = HttpClient.newHttpClient();

  @AfterEach
  void close() {
    sdk.close();
    upstream.close();
  }

  private RunningGateway start(boolean captureContent) {
    return start(captureContent, "");
  }

  private RunningGateway start(boolean captureContent, String moreYaml) {
    return start(captureContent, moreYaml, false);
  }

  /** With {@code replaceCatalog}, {@code moreYaml} holds the models and routes instead of the default ones. */
  private RunningGateway start(boolean captureContent, String moreYaml, boolean replaceCatalog) {
    String base = CONFIG.formatted(upstream.server.url("/v1"));
    String yaml = replaceCatalog ? base.substring(0, base.indexOf("models:")) + moreYaml
        + base.substring(base.indexOf("state:")) : base + moreYaml;
    ConfigFile config = ConfigLoader.create().withEnvironment(Map.of("CLIENT_KEY", "sk-client-42")::get)
        .parse(yaml, "gateway.yaml");
    boolean capture = captureContent;
    // --- sample: tracing from code ---
    GatewayTracing tracing = GatewayTracing.of(sdk, capture);  // sdk: your OpenTelemetry, which you shut down
    RunningGateway gateway = RunningGateway.start(config, Ticker.system(), Scheduler.system(),
        List.of(binder -> binder.bind(GatewayTracing.class).toInstance(tracing)));
    // --- end sample ---
    return gateway;
  }

  @Test
  void a_cache_hit_is_a_server_span_marked_hit_with_no_attempt_under_it() throws Exception {
    // given: a cache on every route, and one answer upstream
    upstream.enqueue(Upstream.json(200, Upstream.answer("cached")));
    try (RunningGateway gateway = start(false, "cache: {enabled: true, routes: ['*']}\n")) {
      // when the same deterministic request comes twice
      for (int i = 0; i < 2; i++) {
        HttpResponse<String> answer = http.send(HttpRequest.newBuilder(gateway.uri().resolve("/v1/chat/completions"))
            .header("Authorization", "Bearer sk-client-42")
            .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"auto\",\"temperature\":0,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}"))
            .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
      }
    }
    // then: two server spans, a miss with its one attempt and a hit with none
    List<SpanData> servers = spans.getFinishedSpanItems().stream().filter(s -> s.getKind() == SpanKind.SERVER)
        .sorted(Comparator.comparing(SpanData::getStartEpochNanos)).toList();
    assertThat(servers).extracting(s -> s.getAttributes().get(GatewayTracing.CACHE)).containsExactly("miss", "hit");
    assertThat(spans.getFinishedSpanItems()).filteredOn(s -> s.getKind() == SpanKind.CLIENT).singleElement()
        .satisfies(client -> assertThat(client.getParentSpanId()).isEqualTo(servers.get(0).getSpanId()));
    assertThat(servers.get(1).getAttributes().get(GatewayTracing.RESPONSE_MODEL)).isEqualTo("model-a");
  }

  /** docs/gateway.md shows the lines between the markers of {@link #start(boolean, String)}. */
  @Test
  void the_guide_shows_the_sample_of_this_test() throws Exception {
    String source = Files.readString(Path.of(System.getProperty("basedir", "."),
        "src/test/java/dev/sheepdog/gateway/TracingTest.java"));
    String sample = source.substring(source.indexOf("// --- sample: tracing from code ---\n"),
        source.indexOf("    // --- end sample ---"));
    sample = sample.substring(sample.indexOf('\n') + 1).stripTrailing().stripIndent();
    assertThat(page("gateway.md")).contains(sample);
  }

  private static String page(String name) throws Exception {
    return Files.readString(Path.of(System.getProperty("basedir", "."), "..", "docs", name).normalize());
  }

  /**
   * A trace as text, the way docs/operations.md shows one: each span with its kind, status and the
   * attributes an operator reads first, children indented under their parent.
   */
  static String render(List<SpanData> spans) {
    StringBuilder out = new StringBuilder();
    SpanData root = spans.stream().filter(s -> s.getKind() == SpanKind.SERVER).findFirst().orElseThrow();
    List<SpanData> children = spans.stream().filter(s -> s.getParentSpanId().equals(root.getSpanId()))
        .sorted(Comparator.comparing(SpanData::getStartEpochNanos)).toList();
    append(out, "", children.isEmpty() ? "   " : "│  ", root);
    for (int i = 0; i < children.size(); i++) {
      boolean last = i == children.size() - 1;
      append(out, last ? "└─ " : "├─ ", last ? "      " : "│     ", children.get(i));
    }
    return out.toString();
  }

  private static void append(StringBuilder out, String first, String more, SpanData span) {
    out.append(first).append(span.getName()).append("  [").append(span.getKind());
    if (span.getStatus().getStatusCode() == StatusCode.ERROR) {
      out.append(", ERROR: ").append(span.getStatus().getDescription());
    }
    out.append("]\n");
    for (String key : List.of("sheepdog.attempt", "sheepdog.attempts", "gen_ai.request.model", "gen_ai.response.model",
        "sheepdog.failure_kind", "http.response.status_code", "gen_ai.usage.input_tokens",
        "gen_ai.usage.output_tokens", "gen_ai.response.finish_reasons", "sheepdog.cost_usd")) {
      span.getAttributes().forEach((attribute, value) -> {
        if (attribute.getKey().equals(key)) {
          out.append(more).append(key).append('=').append(value).append('\n');
        }
      });
    }
  }

  private HttpResponse<String> chat(RunningGateway gateway, String body) throws Exception {
    return chat(gateway, body, "X-Sheepdog-Allow-Defer", "false");
  }

  private HttpResponse<String> chat(RunningGateway gateway, String body, String header, String value)
      throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(gateway.uri() + "/v1/chat/completions"))
        .timeout(Duration.ofSeconds(10))
        .header(header, value)
        .header("Authorization", "Bearer sk-client-42")
        .header("traceparent", "00-" + TRACE_ID + "-" + PARENT_SPAN_ID + "-01")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String request(String model) {
    return "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"" + PROMPT + "\"}]}";
  }

  /** The spans exported once {@code count} have ended: the server span ends after the response is written. */
  private List<SpanData> awaitSpans(int count) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (spans.getFinishedSpanItems().size() < count && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    List<SpanData> finished = spans.getFinishedSpanItems();
    assertThat(finished).hasSize(count);
    return finished.stream().sorted(Comparator.comparing(SpanData::getStartEpochNanos)).toList();
  }

  private static SpanData server(List<SpanData> spans) {
    return spans.stream().filter(s -> s.getKind() == SpanKind.SERVER).findFirst().orElseThrow();
  }

  @Test
  void a_failover_is_one_server_span_with_a_client_span_per_attempt_under_the_callers_trace() throws Exception {
    // given
    upstream.enqueue(Upstream.error(503, "overloaded"));
    upstream.enqueue(Upstream.json(200, Upstream.answer("Ulaanbaatar")));
    try (RunningGateway gateway = start(false)) {
      // when
      HttpResponse<String> reply = chat(gateway, request("auto"));
      // then
      assertThat(reply.statusCode()).isEqualTo(200);
      List<SpanData> all = awaitSpans(3);
      SpanData server = server(all);
      List<SpanData> clients = all.stream().filter(s -> s.getKind() == SpanKind.CLIENT).toList();

      assertThat(server.getName()).isEqualTo("chat auto");
      assertThat(server.getTraceId()).isEqualTo(TRACE_ID);
      assertThat(server.getParentSpanId()).isEqualTo(PARENT_SPAN_ID);
      assertThat(server.getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
      assertThat(server.getAttributes().get(GatewayTracing.OPERATION)).isEqualTo("chat");
      assertThat(server.getAttributes().get(GatewayTracing.REQUEST_MODEL)).isEqualTo("auto");
      assertThat(server.getAttributes().get(GatewayTracing.ROUTE)).isEqualTo("auto");
      assertThat(server.getAttributes().get(GatewayTracing.RESPONSE_MODEL)).isEqualTo("model-b");
      assertThat(server.getAttributes().get(GatewayTracing.INPUT_TOKENS)).isEqualTo(10L);
      assertThat(server.getAttributes().get(GatewayTracing.OUTPUT_TOKENS)).isEqualTo(5L);
      assertThat(server.getAttributes().get(GatewayTracing.FINISH_REASONS)).containsExactly("stop");
      assertThat(server.getAttributes().get(GatewayTracing.ATTEMPTS)).isEqualTo(2L);
      assertThat(server.getAttributes().get(GatewayTracing.HTTP_STATUS)).isEqualTo(200L);
      assertThat(server.getAttributes().get(GatewayTracing.REQUEST_ID))
          .isEqualTo(reply.headers().firstValue("X-Request-Id").orElseThrow());

      assertThat(clients).extracting(SpanData::getName).containsExactly("chat model-a", "chat model-b");
      assertThat(clients).allSatisfy(client -> {
        assertThat(client.getTraceId()).isEqualTo(TRACE_ID);
        assertThat(client.getParentSpanId()).isEqualTo(server.getSpanId());
        assertThat(client.getAttributes().get(GatewayTracing.OPERATION)).isEqualTo("chat");
        assertThat(client.getAttributes().get(GatewayTracing.ROUTE)).isEqualTo("auto");
      });
      SpanData failed = clients.get(0);
      assertThat(failed.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
      assertThat(failed.getStatus().getDescription()).isEqualTo("unavailable");
      assertThat(failed.getAttributes().get(GatewayTracing.FAILURE_KIND)).isEqualTo("unavailable");
      assertThat(failed.getAttributes().get(GatewayTracing.HTTP_STATUS)).isEqualTo(503L);
      assertThat(failed.getAttributes().get(GatewayTracing.ATTEMPT)).isEqualTo(1L);
      assertThat(failed.getAttributes().get(GatewayTracing.REQUEST_MODEL)).isEqualTo("model-a");
      SpanData answered = clients.get(1);
      assertThat(answered.getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
      assertThat(answered.getAttributes().get(GatewayTracing.ATTEMPT)).isEqualTo(2L);
      assertThat(answered.getAttributes().get(GatewayTracing.RESPONSE_MODEL)).isEqualTo("model-b");
      assertThat(answered.getAttributes().get(GatewayTracing.INPUT_TOKENS)).isEqualTo(10L);
      assertThat(answered.getAttributes().get(GatewayTracing.OUTPUT_TOKENS)).isEqualTo(5L);
      assertThat(answered.getAttributes().get(GatewayTracing.COST)).isNotNull();
      assertThat(answered.getAttributes().get(GatewayTracing.HEDGED)).isFalse();

      // no prompt or answer text anywhere without capture_content
      assertThat(all).allSatisfy(span -> assertThat(span.getAttributes().asMap().values())
          .noneMatch(value -> value.toString().contains("Mongolia") || value.toString().contains("Ulaanbaatar")));
      assertThat(server.getAttributes().get(GatewayTracing.INPUT_MESSAGES)).isNull();
      assertThat(gateway.injector().getInstance(GatewayTracing.class).openRequests()).isZero();
      // and docs/operations.md shows this very trace
      assertThat(page("operations.md")).contains(render(all));
    }
  }

  @Test
  void an_embeddings_request_is_an_embeddings_span_with_the_vectors_size_and_no_input_text() throws Exception {
    // given: an embedding model that fails over to the same model of the same provider type
    upstream.enqueue(Upstream.error(503, "overloaded"));
    upstream.enqueue(Upstream.json(200, "{\"object\":\"list\",\"data\":[{\"object\":\"embedding\",\"index\":0,"
        + "\"embedding\":[0.5,0.5,0.5,0.5]}],\"model\":\"e\",\"usage\":{\"prompt_tokens\":7,\"total_tokens\":7}}"));
    try (RunningGateway gateway = start(false, """
        models:
          - {id: model-a, provider: up}
          - {id: embed, provider: up, kind: embedding, upstream_name: text-embedding-3-small, dimensions: 4}
          - {id: embed-2, provider: up, kind: embedding, upstream_name: text-embedding-3-small, dimensions: 4}
        routes:
          table: {general: {normal: [model-a]}}
          fallbacks: {embed: [embed-2]}
        """, true)) {
      // when
      HttpResponse<String> reply = http.send(HttpRequest.newBuilder(URI.create(gateway.uri() + "/v1/embeddings"))
          .timeout(Duration.ofSeconds(10))
          .header("Authorization", "Bearer sk-client-42")
          .header("traceparent", "00-" + TRACE_ID + "-" + PARENT_SPAN_ID + "-01")
          .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"embed\",\"input\":\"" + PROMPT + "\"}"))
          .build(), HttpResponse.BodyHandlers.ofString());
      // then
      assertThat(reply.statusCode()).isEqualTo(200);
      List<SpanData> all = awaitSpans(3);
      SpanData server = server(all);
      assertThat(server.getName()).isEqualTo("embeddings embed");
      assertThat(server.getTraceId()).isEqualTo(TRACE_ID);
      assertThat(server.getAttributes().get(GatewayTracing.OPERATION)).isEqualTo("embeddings");
      assertThat(server.getAttributes().get(GatewayTracing.RESPONSE_MODEL)).isEqualTo("embed-2");
      assertThat(server.getAttributes().get(GatewayTracing.INPUT_TOKENS)).isEqualTo(7L);
      assertThat(server.getAttributes().get(GatewayTracing.DIMENSIONS)).isEqualTo(4L);
      assertThat(all.stream().filter(span -> span.getKind() == SpanKind.CLIENT)).extracting(SpanData::getName)
          .containsExactly("embeddings embed", "embeddings embed-2");
      assertThat(all).allSatisfy(span -> assertThat(span.getAttributes().asMap().values())
          .noneMatch(value -> value.toString().contains("Mongolia")));
    }
  }

  @Test
  void each_upstream_call_carries_the_traceparent_of_its_client_span() throws Exception {
    // given
    upstream.enqueue(Upstream.error(503, "overloaded"));
    upstream.enqueue(Upstream.json(200, Upstream.answer("Ulaanbaatar")));
    try (RunningGateway gateway = start(false)) {
      // when
      chat(gateway, request("auto"));
      // then
      List<SpanData> clients = awaitSpans(3).stream().filter(s -> s.getKind() == SpanKind.CLIENT).toList();
      String first = upstream.take().getHeaders().get("traceparent");
      String second = upstream.take().getHeaders().get("traceparent");
      assertThat(first).isEqualTo("00-" + TRACE_ID + "-" + clients.get(0).getSpanId() + "-01");
      assertThat(second).isEqualTo("00-" + TRACE_ID + "-" + clients.get(1).getSpanId() + "-01");
    }
  }

  @Test
  void a_streamed_call_carries_its_traceparent_too() throws Exception {
    // given
    upstream.enqueue(Upstream.sse(Upstream.wholeStream("Ulaan", "baatar")));
    try (RunningGateway gateway = start(false)) {
      // when
      HttpResponse<String> reply = chat(gateway, request("model-a").replace("{\"model\"",
          "{\"stream\":true,\"model\""));
      // then
      assertThat(reply.body()).contains("[DONE]");
      List<SpanData> all = awaitSpans(2);
      SpanData client = all.stream().filter(s -> s.getKind() == SpanKind.CLIENT).findFirst().orElseThrow();
      assertThat(upstream.take().getHeaders().get("traceparent"))
          .isEqualTo("00-" + TRACE_ID + "-" + client.getSpanId() + "-01");
      SpanData server = server(all);
      assertThat(server.getAttributes().get(GatewayTracing.FINISH_REASONS)).containsExactly("stop");
      assertThat(server.getAttributes().get(GatewayTracing.STREAM)).isTrue();
    }
  }

  @Test
  void a_hedge_is_a_second_client_span_marked_hedged_while_the_first_is_in_flight() throws Exception {
    // given: model-a answers after a second, model-b at once; the hedge starts after 100 ms
    upstream.enqueue(Upstream.json(200, Upstream.answer("slow")).newBuilder()
        .headersDelay(1, java.util.concurrent.TimeUnit.SECONDS).build());
    upstream.enqueue(Upstream.json(200, Upstream.answer("fast")));
    try (RunningGateway gateway = start(false, "hedging: {enabled: true, delay: 100ms}\n")) {
      // when
      HttpResponse<String> reply = chat(gateway, request("auto"));
      // then
      assertThat(reply.body()).contains("fast");
      List<SpanData> all = awaitSpans(3);
      List<SpanData> clients = all.stream().filter(s -> s.getKind() == SpanKind.CLIENT)
          .sorted(Comparator.comparing(SpanData::getStartEpochNanos)).toList();
      assertThat(clients).extracting(c -> c.getAttributes().get(GatewayTracing.HEDGED)).containsExactly(false, true);
      assertThat(clients.get(1).getName()).isEqualTo("chat model-b");
      assertThat(server(all).getAttributes().get(GatewayTracing.HEDGED)).isTrue();
    }
  }

  @Test
  void a_model_passed_over_is_an_event_of_the_server_span_with_its_reason() throws Exception {
    // given: model-a takes one request a minute
    upstream.enqueue(Upstream.json(200, Upstream.answer("first")));
    upstream.enqueue(Upstream.json(200, Upstream.answer("second")));
    ConfigFile config = ConfigLoader.create().withEnvironment(Map.of("CLIENT_KEY", "sk-client-42")::get)
        .parse(CONFIG.formatted(upstream.server.url("/v1")).replace("price: {input: 8.00, output: 32.00}",
            "price: {input: 8.00, output: 32.00}, rpm: 1"), "gateway.yaml");
    GatewayTracing tracing = GatewayTracing.of(sdk, false);
    try (RunningGateway gateway = RunningGateway.start(config, Ticker.system(), Scheduler.system(),
        List.of(binder -> binder.bind(GatewayTracing.class).toInstance(tracing)))) {
      // when: the second request finds model-a at its limit
      chat(gateway, request("auto"));
      awaitSpans(2);
      spans.reset();
      chat(gateway, request("auto"));
      // then
      List<SpanData> all = awaitSpans(2);
      SpanData server = server(all);
      assertThat(server.getEvents()).singleElement().satisfies(event -> {
        assertThat(event.getName()).isEqualTo("sheepdog.model_skipped");
        assertThat(event.getAttributes().get(GatewayTracing.MODEL)).isEqualTo("model-a");
        assertThat(event.getAttributes().get(GatewayTracing.SKIP_REASON)).isEqualTo("rate_limited");
      });
      assertThat(all).filteredOn(s -> s.getKind() == SpanKind.CLIENT).extracting(SpanData::getName)
          .containsExactly("chat model-b");
    }
  }

  @Test
  void with_capture_content_the_server_span_holds_the_prompt_and_the_answer() throws Exception {
    // given
    upstream.enqueue(Upstream.json(200, Upstream.answer("Ulaanbaatar")));
    try (RunningGateway gateway = start(true)) {
      // when
      chat(gateway, request("model-a"));
      // then
      SpanData server = server(awaitSpans(2));
      assertThat(server.getName()).isEqualTo("chat model-a");
      assertThat(server.getAttributes().get(GatewayTracing.INPUT_MESSAGES))
          .isEqualTo("[{\"role\":\"user\",\"parts\":[{\"type\":\"text\",\"content\":\"" + PROMPT + "\"}]}]");
      assertThat(server.getAttributes().get(GatewayTracing.OUTPUT_MESSAGES)).contains("Ulaanbaatar");
    }
  }

  @Test
  void a_request_that_fails_everywhere_ends_its_server_span_in_error_with_the_failure_kind() throws Exception {
    // given
    upstream.enqueue(Upstream.error(503, "down"));
    upstream.enqueue(Upstream.error(503, "down"));
    try (RunningGateway gateway = start(false, "retry: {rounds: 1}\ndeferred: {replay: {enabled: false}}\n")) {
      // when: a request that may be parked
      HttpResponse<String> reply = chat(gateway, request("auto"), "X-Sheepdog-Allow-Defer", "true");
      // then
      assertThat(reply.statusCode()).isEqualTo(503);
      long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
      while (spans.getFinishedSpanItems().stream().noneMatch(s -> s.getKind() == SpanKind.SERVER)
          && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      SpanData server = server(spans.getFinishedSpanItems());
      assertThat(server.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
      assertThat(server.getStatus().getDescription()).isEqualTo("all_models_failed");
      assertThat(server.getAttributes().get(GatewayTracing.FAILURE_KIND)).isEqualTo("all_models_failed");
      assertThat(server.getAttributes().get(GatewayTracing.HTTP_STATUS)).isEqualTo(503L);
      assertThat(server.getAttributes().get(GatewayTracing.DEFERRED_ID))
          .isEqualTo(reply.headers().firstValue("X-Sheepdog-Deferred-Id").orElseThrow());
      assertThat(spans.getFinishedSpanItems()).filteredOn(s -> s.getKind() == SpanKind.CLIENT)
          .hasSize(2)
          .allSatisfy(client -> assertThat(client.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR));
      assertThat(gateway.injector().getInstance(GatewayTracing.class).openRequests()).isZero();
    }
  }

  @Test
  void a_request_refused_before_routing_leaves_nothing_behind() throws Exception {
    try (RunningGateway gateway = start(false)) {
      // when: a body that is not JSON, and a cache header the gateway refuses after decoding
      HttpResponse<String> bad = chat(gateway, "{not json");
      HttpResponse<String> refused = http.send(HttpRequest.newBuilder(
              URI.create(gateway.uri() + "/v1/chat/completions"))
          .header("Authorization", "Bearer sk-client-42")
          .header("X-Sheepdog-Cache", "sometimes")
          .POST(HttpRequest.BodyPublishers.ofString(request("auto"))).build(), HttpResponse.BodyHandlers.ofString());
      // then
      assertThat(bad.statusCode()).isEqualTo(400);
      assertThat(refused.statusCode()).isEqualTo(400);
      Thread.sleep(100);
      assertThat(spans.getFinishedSpanItems()).isEmpty();
      assertThat(gateway.injector().getInstance(GatewayTracing.class).openRequests()).isZero();
    }
  }
}
