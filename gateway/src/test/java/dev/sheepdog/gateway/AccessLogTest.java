package dev.sheepdog.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

/** One concise access log line per request, streams and hang-ups included, never with the prompt. */
class AccessLogTest {
  private static final String PROMPT = "my confidential prompt";

  @AutoClose
  private GatewayFixture fixture;

  @Test
  void every_request_gets_exactly_one_line_with_its_outcome_and_no_prompt() throws Exception {
    try (LogCapture logs = new LogCapture()) {
      // given
      fixture = new GatewayFixture();
      fixture.alpha.enqueue(Upstream.error(503, "overloaded"));
      fixture.beta.enqueue(Upstream.json(200, Upstream.answer("fine")));
      fixture.alpha.enqueue(Upstream.sse(Upstream.wholeStream("Hel", "lo")));
      fixture.alpha.enqueue(Upstream.error(500, "boom"));
      fixture.beta.enqueue(Upstream.error(500, "boom"));
      // when
      send("log-json", body(false));
      send("log-stream", body(true));
      send("log-failed", body(false));
      send("log-bad", "{\"model\":\"auto\",\"messages\":[{\"role\":\"user\",\"content\":\"" + PROMPT + "\"}");
      send("log-unknown-model", body(false).replace("\"auto\"", "\"no-such-model\""));
      fixture.send(HttpRequest.newBuilder(fixture.uri("/health")).header("X-Request-Id", "log-health").GET());
      // then
      String json = only(logs, "log-json");
      assertThat(json).contains("log-json POST /v1/chat/completions route=auto model=model-b attempts=2 status=200 "
          + "latency_ms=").containsPattern("latency_ms=\\d+ cost_usd=0\\.0000\\d\\d$");
      assertThat(only(logs, "log-stream")).contains("route=auto model=model-a attempts=1 status=200")
          .containsPattern("cost_usd=0\\.\\d{6}$");
      assertThat(only(logs, "log-failed")).contains("route=auto model=- attempts=2 status=503").endsWith("cost_usd=-");
      assertThat(only(logs, "log-bad")).contains("route=- model=- attempts=0 status=400").endsWith("cost_usd=-");
      assertThat(only(logs, "log-unknown-model")).contains("route=no-such-model model=- attempts=0 status=");
      assertThat(only(logs, "log-health")).contains("GET /health").contains("status=200");
      assertThat(logs.text()).doesNotContain(PROMPT, "Hello", "fine");
    }
  }

  @Test
  void a_client_that_hangs_up_mid_stream_gets_one_line_with_status_499() throws Exception {
    try (LogCapture logs = new LogCapture()) {
      // given a stream that trickles
      fixture = new GatewayFixture();
      String stream = Upstream.wholeStream("one", "two", "three", "four");
      fixture.alpha.enqueue(new MockResponse.Builder(Upstream.sse(stream))
          .throttleBody(stream.indexOf("\n\n") + 2, 1, TimeUnit.SECONDS).build());
      HttpResponse<InputStream> response = fixture.http.send(fixture.post(body(true))
          .header("X-Request-Id", "log-hangup").build(), HttpResponse.BodyHandlers.ofInputStream());
      assertThat(response.body().read()).isNotNegative();
      // when
      response.body().close();
      // then
      List<String> lines = logs.await(line -> isAccess(line, "log-hangup"), 1);
      assertThat(lines).singleElement().asString().contains("model=model-a attempts=1 status=499");
      long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
      while (fixture.alpha.cancelled.isEmpty() && System.nanoTime() < deadline) {
        Thread.onSpinWait();
      }
      assertThat(fixture.alpha.cancelled).isNotEmpty();
      assertThat(logs.lines(line -> isAccess(line, "log-hangup"))).hasSize(1);
    }
  }

  @Test
  void client_text_in_a_line_is_escaped_to_printable_ascii() {
    try (LogCapture logs = new LogCapture()) {
      // given: a path holding NEL, LINE SEPARATOR and an escape sequence, encoded as Jetty lets them through
      fixture = new GatewayFixture();
      String path = "/v1/x%C2%85injected%E2%80%A8status=200%1B%5B31m";
      // when
      RawHttp.Response response;
      try (RawHttp raw = new RawHttp(fixture.gateway.uri())) {
        response = raw.send(RawHttp.request("GET", path, "127.0.0.1:" + fixture.gateway.port(),
            java.util.Map.of("X-Request-Id", "log-injection"), null)).read(5_000);
      }
      // then
      String line = only(logs, "log-injection");
      assertThat(response.status()).isIn(400, 404);
      assertThat(line).doesNotContain("\u0085", "\u2028", "\u001b");
      assertThat(line.chars().allMatch(c -> c >= 0x20 && c < 0x7F)).as("printable ASCII: " + line).isTrue();
      if (response.status() == 404) {
        assertThat(line).contains("/v1/x\\x85injected\\u2028status=200");
      }
      assertThat(logs.lines(text -> text.contains("injected"))).hasSize(1);
    }
  }

  @Test
  void what_jetty_refuses_itself_still_gets_a_request_id_a_line_and_a_count() {
    try (LogCapture logs = new LogCapture()) {
      // given
      fixture = new GatewayFixture();
      // when: headers past the limit, refused by Jetty before any handler sees the request
      RawHttp.Response response;
      try (RawHttp raw = new RawHttp(fixture.gateway.uri())) {
        response = raw.send("GET /health HTTP/1.1\r\nHost: 127.0.0.1:" + fixture.gateway.port() + "\r\nX-Big: "
            + "b".repeat(40_000) + "\r\n\r\n").read(5_000);
      }
      // then
      assertThat(response.status()).isEqualTo(431);
      String id = response.header("X-Request-Id");
      assertThat(id).startsWith("req-");
      assertThat(only(logs, id)).contains("status=431");
      assertThat(fixture.get("/metrics").body())
          .containsPattern("sheepdog_http_requests_total\\{endpoint=\"/health\",status=\"431\"} 1");
    }
  }

  private void send(String requestId, String body) {
    fixture.send(fixture.post(body).header("X-Request-Id", requestId));
  }

  private static String body(boolean stream) {
    return GatewayFixture.chatBody("auto", stream).replace("Hi", PROMPT);
  }

  private static String only(LogCapture logs, String requestId) {
    List<String> lines = logs.await(line -> isAccess(line, requestId), 1);
    assertThat(lines).as("access lines of " + requestId).hasSize(1);
    return lines.get(0).strip();
  }

  private static boolean isAccess(String line, String requestId) {
    return line.contains("dev.sheepdog.gateway.access - " + requestId + " ");
  }
}
