package dev.sheepdog.gateway;

import static dev.sheepdog.gateway.ChatCompletionsTest.json;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

/** Server-sent events: failover before the first chunk is invisible; a break after it is an error event. */
class StreamingTest {
  @AutoClose
  private GatewayFixture fixture;

  @Test
  void a_failure_before_the_first_chunk_fails_over_invisibly() throws Exception {
    // given
    fixture = new GatewayFixture();
    fixture.alpha.enqueue(Upstream.error(503, "overloaded"));
    fixture.beta.enqueue(Upstream.sse(Upstream.wholeStream("Hel", "lo")));
    // when
    HttpResponse<String> response = fixture.send(fixture.post(GatewayFixture.chatBody("auto", true)));
    // then
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
        type -> assertThat(type).startsWith("text/event-stream"));
    assertThat(response.headers().firstValue("X-Sheepdog-Model")).hasValue("model-b");
    List<String> data = data(response.body());
    assertThat(data).last().isEqualTo("[DONE]");
    List<Map<?, ?>> chunks = data.subList(0, data.size() - 1).stream().<Map<?, ?>>map(ChatCompletionsTest::json).toList();
    assertThat(chunks).allSatisfy(chunk -> {
      assertThat(chunk.get("object")).isEqualTo("chat.completion.chunk");
      assertThat(chunk.get("model")).isEqualTo("model-b");
    });
    assertThat(chunks.stream().map(StreamingTest::text).reduce("", String::concat)).isEqualTo("Hello");
    assertThat(response.body()).doesNotContain("error");
  }

  @Test
  void stream_headers_name_the_model_and_attempts_and_a_closing_comment_carries_the_cost() {
    // given a failover before the first chunk, and an upstream that reports usage at the end
    fixture = new GatewayFixture();
    fixture.alpha.enqueue(Upstream.error(503, "overloaded"));
    fixture.beta.enqueue(Upstream.sse(Upstream.events(List.of(Upstream.chunk("Hel", null), Upstream.chunk("lo", "stop"),
        "{\"id\":\"u\",\"object\":\"chat.completion.chunk\",\"model\":\"m\",\"choices\":[],"
            + "\"usage\":{\"prompt_tokens\":100,\"completion_tokens\":50,\"total_tokens\":150}}", "[DONE]"))));
    // when
    HttpResponse<String> response = fixture.send(fixture.post(GatewayFixture.chatBody("auto", true)));
    // then
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("X-Sheepdog-Model")).hasValue("model-b");
    assertThat(response.headers().firstValue("X-Sheepdog-Attempts")).hasValue("2");
    assertThat(response.headers().firstValue("X-Sheepdog-Cost-Usd")).as("unknown when headers leave").isEmpty();
    // 100 prompt tokens at $3/M and 50 completion tokens at $4/M
    assertThat(response.body()).endsWith("\n: X-Sheepdog-Cost-Usd: 0.000500\ndata: [DONE]\n\n");
  }

  @Test
  void a_stream_served_at_once_counts_one_attempt() {
    // given
    fixture = new GatewayFixture();
    fixture.alpha.enqueue(Upstream.sse(Upstream.wholeStream("Hi")));
    // when
    HttpResponse<String> response = fixture.send(fixture.post(GatewayFixture.chatBody("auto", true)));
    // then
    assertThat(response.headers().firstValue("X-Sheepdog-Model")).hasValue("model-a");
    assertThat(response.headers().firstValue("X-Sheepdog-Attempts")).hasValue("1");
    assertThat(response.body()).contains(": X-Sheepdog-Cost-Usd: ");
  }

  @Test
  void a_break_after_the_first_chunk_ends_with_an_error_event_and_no_done() {
    // given
    fixture = new GatewayFixture();
    fixture.alpha.enqueue(Upstream.sse(Upstream.events(List.of(Upstream.chunk("Hel", null)))));
    // when
    HttpResponse<String> response = fixture.send(fixture.post(GatewayFixture.chatBody("auto", true)));
    // then
    assertThat(response.statusCode()).isEqualTo(200);
    List<String> data = data(response.body());
    assertThat(data).doesNotContain("[DONE]");
    assertThat(response.body()).doesNotContain("X-Sheepdog-Cost-Usd");
    assertThat(text((Map<?, ?>) json(data.get(0)))).isEqualTo("Hel");
    Map<?, ?> error = (Map<?, ?>) json(data.get(data.size() - 1)).get("error");
    assertThat(error.get("code")).isEqualTo("stream_interrupted");
    assertThat(error.get("type")).isEqualTo("server_error");
    assertThat(error.containsKey("param")).isTrue();
    assertThat(fixture.beta.server.getRequestCount()).isZero();
  }

  @Test
  void a_stream_that_cannot_start_is_an_ordinary_error_response() {
    // given
    fixture = new GatewayFixture();
    fixture.alpha.enqueue(Upstream.error(500, "boom"));
    fixture.beta.enqueue(Upstream.error(500, "boom"));
    // when
    HttpResponse<String> response = fixture.send(fixture.post(GatewayFixture.chatBody("auto", true)));
    // then
    ErrorResponsesTest.assertError(response, 503, "server_error", "all_models_failed");
  }

  @Test
  void a_client_that_hangs_up_cancels_the_upstream_stream() throws Exception {
    // given
    fixture = new GatewayFixture();
    String body = Upstream.wholeStream("one", "two", "three", "four");
    int firstEvent = body.indexOf("\n\n") + 2;
    fixture.alpha.enqueue(new MockResponse.Builder(Upstream.sse(body)).throttleBody(firstEvent, 1, TimeUnit.SECONDS)
        .build());
    HttpResponse<InputStream> response = fixture.http.send(fixture.post(GatewayFixture.chatBody("auto", true)).build(),
        HttpResponse.BodyHandlers.ofInputStream());
    BufferedReader reader = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8));
    assertThat(reader.readLine()).startsWith("data: ");
    // when
    response.body().close();
    // then
    long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    while (fixture.alpha.cancelled.isEmpty() && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
    assertThat(fixture.alpha.cancelled).as("upstream calls cancelled").isNotEmpty();
  }

  private static List<String> data(String body) {
    List<String> data = new ArrayList<>();
    for (String line : body.split("\n")) {
      if (line.startsWith("data: ")) {
        data.add(line.substring("data: ".length()));
      }
    }
    return data;
  }

  private static String text(Map<?, ?> chunk) {
    List<?> choices = (List<?>) chunk.get("choices");
    if (choices.isEmpty()) {
      return "";
    }
    Object content = ((Map<?, ?>) ((Map<?, ?>) choices.get(0)).get("delta")).get("content");
    return content == null ? "" : (String) content;
  }
}
