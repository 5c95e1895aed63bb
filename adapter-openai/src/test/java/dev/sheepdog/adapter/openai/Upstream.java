package dev.sheepdog.adapter.openai;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sheepdog.spi.ModelSpec;
import dev.sheepdog.spi.Usage;
import dev.sheepdog.wire.openai.WireJson;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okhttp3.Call;
import okhttp3.EventListener;
import okhttp3.OkHttpClient;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.io.Connection;

/**
 * A MockWebServer playing an OpenAI-compatible upstream, and a shared client of the transport
 * under test that records which calls were cancelled, for the adapter's tests.
 */
final class Upstream implements AutoCloseable {
  static final String KEY = "sk-holysheep-test-SECRET123";
  static final ModelSpec MODEL = ModelSpec.builder("gpt-test", "test").upstreamName("gpt-4.1-2025-04-14").build();
  static final ModelSpec EMBEDDING_MODEL = ModelSpec.builder("embed-test", "test")
      .upstreamName("text-embedding-3-small").embedding(3).build();

  /** The transports a provider can run on. */
  enum Transport {
    /** The default: a Jetty client, here one shared by the test's providers. */
    JETTY,
    /** The option for embedders who give an OkHttp client. */
    OKHTTP
  }

  final Transport transport;
  final MockWebServer server = new MockWebServer();
  /**
   * OkHttp: the calls cancelled. Jetty: the connections the client closed (a cancelled call that
   * reached the upstream closes its own) and the requests aborted before they were sent.
   */
  final List<Object> cancelled = new CopyOnWriteArrayList<>();
  final OkHttpClient shared = new OkHttpClient.Builder()
      .eventListener(new EventListener() {
        @Override
        public void canceled(Call call) {
          cancelled.add(call);
        }
      })
      .build();
  private final SharedHttpClient jetty = SharedHttpClient.create(8);

  Upstream() {
    this(Transport.JETTY);
  }

  Upstream(Transport transport) {
    this.transport = transport;
    try {
      server.start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (transport == Transport.JETTY) {
      jetty.get().addBean(new Connection.Listener() {
        @Override
        public void onClosed(Connection connection) {
          cancelled.add(connection);
        }
      });
      jetty.get().getRequestListeners().addFailureListener((request, failure) -> cancelled.add(request));
    }
  }

  /** A provider for this upstream, on the shared recording client of the transport under test. */
  OpenAiProvider.Builder provider() {
    return provider(server.url("/v1").toString());
  }

  /** A provider for another base URL, on the same client. */
  OpenAiProvider.Builder provider(String baseUrl) {
    OpenAiProvider.Builder builder = OpenAiProvider.builder()
        .id("test")
        .baseUrl(baseUrl)
        .apiKey(KEY);
    return transport == Transport.JETTY ? builder.httpClient(jetty()) : builder.client(shared);
  }

  /** The shared Jetty client. */
  HttpClient jetty() {
    return jetty.get();
  }

  void enqueue(MockResponse response) {
    server.enqueue(response);
  }

  RecordedRequest take() throws InterruptedException {
    RecordedRequest request = server.takeRequest(5, TimeUnit.SECONDS);
    assertThat(request).as("request reached the upstream").isNotNull();
    return request;
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> bodyOf(RecordedRequest request) {
    return (Map<String, Object>) WireJson.parse(request.getBody().utf8());
  }

  void awaitCancelled() throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (cancelled.isEmpty() && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
    assertThat(cancelled).as("calls cancelled upstream").isNotEmpty();
  }

  static String answer(String content, Usage usage) {
    String usageJson = usage == null
        ? ""
        : ",\"usage\":{\"prompt_tokens\":" + usage.promptTokens() + ",\"completion_tokens\":" + usage.completionTokens()
            + ",\"total_tokens\":" + usage.totalTokens() + "}";
    return "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"created\":1700000000,"
        + "\"model\":\"gpt-4.1-2025-04-14\",\"system_fingerprint\":\"fp_1\","
        + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"" + content
        + "\",\"refusal\":null},\"logprobs\":null,\"finish_reason\":\"stop\"}]" + usageJson + "}";
  }

  /**
   * An embeddings answer of {@code inputs} vectors of {@code dimensions} values each, the i-th
   * vector's values all {@code i + 0.5}, reporting {@code promptTokens}.
   */
  static String embeddings(int inputs, int dimensions, long promptTokens) {
    StringBuilder data = new StringBuilder();
    for (int i = 0; i < inputs; i++) {
      String value = String.valueOf(i + 0.5);
      data.append(i == 0 ? "" : ",").append("{\"object\":\"embedding\",\"index\":").append(i)
          .append(",\"embedding\":[").append(String.join(",", java.util.Collections.nCopies(dimensions, value)))
          .append("]}");
    }
    return "{\"object\":\"list\",\"data\":[" + data + "],\"model\":\"text-embedding-3-small\","
        + "\"usage\":{\"prompt_tokens\":" + promptTokens + ",\"total_tokens\":" + promptTokens + "}}";
  }

  static MockResponse json(int code, String body) {
    return new MockResponse.Builder().code(code).setHeader("Content-Type", "application/json").body(body).build();
  }

  static MockResponse error(int code, String type, String codeName, String message) {
    return json(code, "{\"error\":{\"message\":\"" + message + "\",\"type\":\"" + type + "\",\"param\":null,\"code\":"
        + (codeName == null ? "null" : "\"" + codeName + "\"") + "}}");
  }

  static String chunk(String text, String finishReason) {
    return "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4.1-2025-04-14\","
        + "\"choices\":[{\"index\":0,\"delta\":{" + (text == null ? "" : "\"content\":\"" + text + "\"")
        + "},\"finish_reason\":" + (finishReason == null ? "null" : "\"" + finishReason + "\"") + "}]}";
  }

  static String usageChunk(Usage usage) {
    return "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4.1-2025-04-14\",\"choices\":[],"
        + "\"usage\":{\"prompt_tokens\":" + usage.promptTokens() + ",\"completion_tokens\":" + usage.completionTokens() + "}}";
  }

  /** An event-stream body of the given data payloads. */
  static String events(List<String> payloads) {
    StringBuilder body = new StringBuilder();
    for (String payload : payloads) {
      body.append("data: ").append(payload).append("\n\n");
    }
    return body.toString();
  }

  /** A whole streamed answer: one chunk per text, a finish reason, usage and {@code [DONE]}. */
  static String wholeStream(List<String> texts, Usage usage) {
    List<String> payloads = new java.util.ArrayList<>();
    payloads.add("{\"id\":\"chatcmpl-1\",\"model\":\"gpt-4.1-2025-04-14\",\"choices\":[{\"index\":0,"
        + "\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}]}");
    for (String text : texts) {
      payloads.add(chunk(text, null));
    }
    payloads.add(chunk(null, "stop"));
    payloads.add(usageChunk(usage));
    payloads.add("[DONE]");
    return events(payloads);
  }

  static MockResponse sse(String body) {
    return new MockResponse.Builder().setHeader("Content-Type", "text/event-stream").body(body).build();
  }

  @Override
  public void close() {
    shared.dispatcher().cancelAll();
    jetty.close();
    server.close();
    shared.dispatcher().executorService().shutdown();
    shared.connectionPool().evictAll();
  }
}
