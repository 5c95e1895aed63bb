package dev.sheepdog.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sheepdog.adapter.openai.OpenAiProvider;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okhttp3.Call;
import okhttp3.EventListener;
import okhttp3.OkHttpClient;

/** A MockWebServer playing an OpenAI-compatible upstream, with a client that records cancelled calls. */
final class Upstream implements AutoCloseable {
  final MockWebServer server = new MockWebServer();
  final List<Call> cancelled = new CopyOnWriteArrayList<>();
  private final OkHttpClient client = new OkHttpClient.Builder()
      .eventListener(new EventListener() {
        @Override
        public void canceled(Call call) {
          cancelled.add(call);
        }
      })
      .build();

  Upstream() {
    try {
      server.start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  OpenAiProvider provider(String id, String key) {
    return OpenAiProvider.builder().id(id).baseUrl(server.url("/v1").toString()).apiKey(key).client(client).build();
  }

  void enqueue(MockResponse response) {
    server.enqueue(response);
  }

  RecordedRequest take() throws InterruptedException {
    RecordedRequest request = server.takeRequest(5, TimeUnit.SECONDS);
    assertThat(request).as("a request reached the upstream").isNotNull();
    return request;
  }

  static String answer(String content) {
    return "{\"id\":\"chatcmpl-up\",\"object\":\"chat.completion\",\"created\":1700000000,"
        + "\"model\":\"upstream-name\",\"system_fingerprint\":\"fp_up\","
        + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"" + content
        + "\",\"refusal\":null},\"logprobs\":null,\"finish_reason\":\"stop\"}],"
        + "\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":5,\"total_tokens\":15}}";
  }

  static MockResponse json(int code, String body) {
    return new MockResponse.Builder().code(code).setHeader("Content-Type", "application/json").body(body).build();
  }

  static MockResponse error(int code, String message) {
    return json(code, "{\"error\":{\"message\":\"" + message + "\",\"type\":\"server_error\",\"param\":null,"
        + "\"code\":null}}");
  }

  static String chunk(String text, String finishReason) {
    return "{\"id\":\"chatcmpl-up\",\"object\":\"chat.completion.chunk\",\"model\":\"upstream-name\","
        + "\"choices\":[{\"index\":0,\"delta\":{" + (text == null ? "" : "\"content\":\"" + text + "\"")
        + "},\"finish_reason\":" + (finishReason == null ? "null" : "\"" + finishReason + "\"") + "}]}";
  }

  /** An event-stream body of the given data payloads. */
  static String events(List<String> payloads) {
    StringBuilder body = new StringBuilder();
    for (String payload : payloads) {
      body.append("data: ").append(payload).append("\n\n");
    }
    return body.toString();
  }

  /** A whole streamed answer, one chunk per text, then a finish reason and {@code [DONE]}. */
  static String wholeStream(String... texts) {
    List<String> payloads = new ArrayList<>();
    for (String text : texts) {
      payloads.add(chunk(text, null));
    }
    payloads.add(chunk(null, "stop"));
    payloads.add("[DONE]");
    return events(payloads);
  }

  static MockResponse sse(String body) {
    return new MockResponse.Builder().setHeader("Content-Type", "text/event-stream").body(body).build();
  }

  @Override
  public void close() {
    client.dispatcher().cancelAll();
    server.close();
    client.dispatcher().executorService().shutdown();
    client.connectionPool().evictAll();
  }
}
