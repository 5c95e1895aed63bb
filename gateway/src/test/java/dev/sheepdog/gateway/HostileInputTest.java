package dev.sheepdog.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Malformed and oversized input, one request each, against the gateway on a random port: every
 * one gets its status in OpenAI's error shape (or Jetty's refusal for what is not HTTP), costs
 * bounded CPU on the gateway's threads, reaches no upstream, and leaves the gateway answering.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HostileInputTest {
  /** CPU a single hostile request may cost the gateway's threads; the defects this guards cost seconds. */
  private static final long MAX_CPU_NANOS = 500_000_000L;
  private static final String CHAT = "/v1/chat/completions";
  private static final String OK_BODY = "{\"model\":\"auto\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";

  private GatewayFixture fixture;
  private String host;

  @BeforeAll
  void start() {
    fixture = new GatewayFixture(config -> config.maxBodyBytes(1 << 20));
    Dispatcher answers = new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        return Upstream.json(200, Upstream.answer("fine"));
      }
    };
    fixture.alpha.server.setDispatcher(answers);
    fixture.beta.server.setDispatcher(answers);
    host = "127.0.0.1:" + fixture.gateway.port();
  }

  @AfterAll
  void stop() {
    fixture.close();
  }

  /** One hostile request and what it must get. */
  record Case(String name, byte[] request, int status, String code) {
    @Override
    public String toString() {
      return name;
    }
  }

  Stream<Case> cases() {
    List<Case> cases = new ArrayList<>();
    String bigDigits = "9".repeat(1 << 19);
    // --- the request line and headers ---
    cases.add(raw("a request line that is not HTTP", "GARBAGE\r\n\r\n", 400, null));
    cases.add(raw("an unknown HTTP version", "GET /health HTTP/9.9\r\nHost: " + host + "\r\n\r\n", 505,
        "http_version_not_supported"));
    cases.add(raw("a request target past the header limit", "GET /" + "a".repeat(20_000) + " HTTP/1.1\r\nHost: "
        + host + "\r\n\r\n", 414, "uri_too_long"));
    cases.add(raw("headers past the header limit", "GET /health HTTP/1.1\r\nHost: " + host + "\r\nX-Big: "
        + "b".repeat(20_000) + "\r\n\r\n", 431, "headers_too_large"));
    cases.add(raw("a header line without a colon", "GET /health HTTP/1.1\r\nHost: " + host
        + "\r\nNoColonHere\r\n\r\n", 400, null));
    cases.add(raw("a space before a header's colon", "GET /health HTTP/1.1\r\nHost : " + host + "\r\n\r\n", 400, null));
    cases.add(raw("an obsolete folded header", "GET /health HTTP/1.1\r\nHost: " + host + "\r\nX-A: one\r\n two\r\n\r\n",
        400, null));
    cases.add(raw("a NUL in a header value", "GET /health HTTP/1.1\r\nHost: " + host + "\r\nX-A: a\u0000b\r\n\r\n",
        400, null));
    cases.add(raw("two different Content-Lengths", post(OK_BODY, "Content-Length: 5\r\nContent-Length: 6\r\n"),
        400, null));
    cases.add(raw("Content-Length with Transfer-Encoding", post(OK_BODY,
        "Content-Length: 10\r\nTransfer-Encoding: chunked\r\n"), 400, null));
    cases.add(raw("a negative Content-Length", post("", "Content-Length: -1\r\n"), 400, null));
    cases.add(raw("a Content-Length that is not a number", post("", "Content-Length: ten\r\n"), 400, null));
    cases.add(raw("a Content-Length of twenty digits", post("", "Content-Length: 99999999999999999999\r\n"), 400,
        null));
    cases.add(raw("a Content-Length past twice the body limit", post("", "Content-Length: 5000000\r\n"), 413,
        "request_too_large"));
    cases.add(raw("a transfer coding other than chunked", post("", "Transfer-Encoding: gzip, chunked\r\n")
        + "5\r\nhello\r\n0\r\n\r\n", 501, "unsupported_transfer_encoding"));
    cases.add(raw("a chunk size that is not hex", post("", "Transfer-Encoding: chunked\r\n") + "zz\r\nabc\r\n0\r\n\r\n",
        400, null));
    cases.add(raw("a chunk size past 64 bits", post("", "Transfer-Encoding: chunked\r\n")
        + "fffffffffffffffffff\r\nabc\r\n0\r\n\r\n", 400, null));
    cases.add(raw("chunks past the body limit", post("", "Transfer-Encoding: chunked\r\n")
        + ("8000\r\n" + "x".repeat(0x8000) + "\r\n").repeat(40) + "0\r\n\r\n", 413, "request_too_large"));
    cases.add(raw("a compressed body", post(OK_BODY, "Content-Encoding: gzip\r\n"), 415,
        "unsupported_content_encoding"));
    cases.add(raw("a text/plain body without a key", post(OK_BODY, "", "text/plain"), 403, "content_type_not_allowed"));
    cases.add(raw("a body without a content type or key", post(OK_BODY, "", null), 403, "content_type_not_allowed"));
    cases.add(raw("a cross-origin request", post(OK_BODY, "Origin: https://attacker.example\r\n"), 403,
        "cross_origin_refused"));
    cases.add(raw("an Origin of null", post(OK_BODY, "Origin: null\r\n"), 403, "cross_origin_refused"));
    cases.add(raw("a foreign Host (DNS rebinding)", "POST " + CHAT + " HTTP/1.1\r\nHost: attacker.example\r\n"
        + "Content-Type: application/json\r\nContent-Length: " + OK_BODY.length() + "\r\n\r\n" + OK_BODY, 403,
        "host_not_allowed"));
    cases.add(raw("a foreign host in an absolute request target", "POST http://attacker.example" + CHAT
        + " HTTP/1.1\r\nHost: " + host + "\r\nContent-Type: application/json\r\nContent-Length: " + OK_BODY.length()
        + "\r\n\r\n" + OK_BODY, 400, "invalid_request"));
    cases.add(raw("loopback but another port", "GET /health HTTP/1.1\r\nHost: 127.0.0.1:1\r\n\r\n", 403,
        "host_not_allowed"));
    cases.add(raw("a max cost of 1e999999999", post(OK_BODY, "X-Sheepdog-Max-Cost-Usd: 1e999999999\r\n"), 400,
        "invalid_value"));
    cases.add(raw("a max cost of 8,000 digits", post(OK_BODY, "X-Sheepdog-Max-Cost-Usd: " + "9".repeat(8_000)
        + "\r\n"), 400, "invalid_value"));
    cases.add(raw("a negative max cost", post(OK_BODY, "X-Sheepdog-Max-Cost-Usd: -1\r\n"), 400, "invalid_value"));
    cases.add(raw("a task header in another script", post(OK_BODY,
        "X-Sheepdog-Task: " + utf8AsLatin1("\u0645\u0647\u0645\u0629") + "\r\n"), 400, "invalid_value"));
    cases.add(raw("a task header of 8,000 characters", post(OK_BODY, "X-Sheepdog-Task: " + "t".repeat(8_000)
        + "\r\n"), 400, "invalid_value"));
    cases.add(raw("an unknown priority header", post(OK_BODY, "X-Sheepdog-Priority: urgent\r\n"), 400,
        "invalid_value"));
    cases.add(raw("an allow-defer header that is not a boolean", post(OK_BODY, "X-Sheepdog-Allow-Defer: maybe\r\n"),
        400, "invalid_value"));
    cases.add(raw("a preflight", "OPTIONS " + CHAT + " HTTP/1.1\r\nHost: " + host + "\r\n"
        + "Origin: http://" + host + "\r\nAccess-Control-Request-Method: POST\r\n\r\n", 405, "method_not_allowed"));
    cases.add(raw("PUT on the chat endpoint", "PUT " + CHAT + " HTTP/1.1\r\nHost: " + host
        + "\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}", 405, "method_not_allowed"));
    // --- bodies ---
    cases.add(json("an empty body", "", 400, "invalid_json"));
    cases.add(json("a body that is not JSON", "hello", 400, "invalid_json"));
    cases.add(json("JSON after a byte-order mark", "\uFEFF" + OK_BODY, 400, "invalid_json"));
    cases.add(json("garbage after the JSON value", OK_BODY + "{}", 400, "invalid_json"));
    cases.add(json("a JSON array", "[1,2,3]", 400, "invalid_json"));
    cases.add(json("nesting 100,000 deep", "[".repeat(100_000), 400, "invalid_json"));
    cases.add(json("a member name of half a megabyte", "{\"" + "k".repeat(1 << 19) + "\"", 400, "invalid_json"));
    cases.add(json("a 512 KiB integer as seed", "{\"model\":\"gpt-9\",\"seed\":" + bigDigits
        + ",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}", 404, "model_not_found"));
    cases.add(json("a 512 KiB decimal as seed", "{\"model\":\"gpt-9\",\"seed\":0." + bigDigits
        + ",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}", 404, "model_not_found"));
    cases.add(json("a 512 KiB temperature", "{\"model\":\"auto\",\"temperature\":" + bigDigits
        + ",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}", 400, "invalid_value"));
    cases.add(json("a temperature of 1e999999999", "{\"model\":\"auto\",\"temperature\":1e999999999,"
        + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}", 400, "invalid_value"));
    cases.add(json("max_tokens as an exponent", "{\"model\":\"auto\",\"max_tokens\":1e3,"
        + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}", 400, "invalid_value"));
    cases.add(json("max_tokens of twenty digits", "{\"model\":\"auto\",\"max_tokens\":99999999999999999999,"
        + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}", 400, "invalid_value"));
    cases.add(json("n of zero", "{\"model\":\"auto\",\"n\":0,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}",
        400, "invalid_value"));
    cases.add(json("n of a million", "{\"model\":\"auto\",\"n\":1000000,"
        + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}", 400, "invalid_value"));
    cases.add(json("n as a string", "{\"model\":\"auto\",\"n\":\"2\","
        + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}", 400, "invalid_value"));
    cases.add(json("model given twice", "{\"model\":\"gpt-9\",\"model\":\"auto\","
        + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}", 400, "invalid_json"));
    cases.add(json("a model name of 10,000 characters", "{\"model\":\"" + "m".repeat(10_000)
        + "\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}", 400, "invalid_value"));
    cases.add(json("a model name with control characters", "{\"model\":\"gpt\\u0000\\u001b[2J\\u2028x\","
        + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}", 404, "model_not_found"));
    cases.add(json("100,000 messages without a role", "{\"model\":\"auto\",\"messages\":["
        + "{},".repeat(99_999) + "{}]}", 400, "invalid_value"));
    cases.add(json("content that is a number", "{\"model\":\"auto\",\"messages\":[{\"role\":\"user\",\"content\":7}]}",
        400, "invalid_value"));
    cases.add(json("a lone surrogate in the model name", "{\"model\":\"gpt\\ud800\","
        + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}", 404, "model_not_found"));
    cases.add(json("a body past the limit", "{\"model\":\"auto\",\"messages\":[{\"role\":\"user\",\"content\":\""
        + "x".repeat((1 << 20) + 10) + "\"}]}", 413, "request_too_large"));
    return cases.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void a_hostile_request_gets_its_answer_in_bounded_cpu_and_the_gateway_keeps_serving(Case hostile) {
    // given
    int upstreamCalls = fixture.alpha.server.getRequestCount() + fixture.beta.server.getRequestCount();
    long cpuBefore = gatewayCpuNanos();
    // when
    RawHttp.Response response;
    try (RawHttp connection = new RawHttp(fixture.gateway.uri())) {
      response = connection.sendWhatIsTaken(hostile.request()).read(20_000);
    }
    long cpu = gatewayCpuNanos() - cpuBefore;
    // then
    assertThat(response.status()).as(response.body()).isEqualTo(hostile.status());
    if (hostile.code() != null) {
      assertThat(response.header("Content-Type")).startsWith("application/json");
      Map<?, ?> error = (Map<?, ?>) ChatCompletionsTest.json(response.body()).get("error");
      assertThat(error.get("code")).isEqualTo(hostile.code());
      assertThat(error.get("message")).asString().isNotBlank().hasSizeLessThan(1_000);
      assertThat(error.containsKey("type") && error.containsKey("param")).isTrue();
    }
    assertThat(response.header("X-Request-Id")).as("X-Request-Id").isNotBlank();
    assertThat(cpu).as("CPU of the gateway's threads, in ns").isLessThan(MAX_CPU_NANOS);
    assertThat(fixture.alpha.server.getRequestCount() + fixture.beta.server.getRequestCount())
        .as("upstream calls").isEqualTo(upstreamCalls);
    assertThat(fixture.chat("auto").statusCode()).as("a normal request afterwards").isEqualTo(200);
  }

  private Case raw(String name, String request, int status, String code) {
    return new Case(name, request.getBytes(StandardCharsets.ISO_8859_1), status, code);
  }

  private Case json(String name, String body, int status, String code) {
    return new Case(name, RawHttp.request("POST", CHAT, host, Map.of("Content-Type", "application/json"), body)
        .getBytes(StandardCharsets.ISO_8859_1), status, code);
  }

  /** A POST of {@code body} as JSON with extra header lines; the body is sent as it is. */
  private String post(String body, String extraHeaders) {
    return post(body, extraHeaders, "application/json");
  }

  private String post(String body, String extraHeaders, String contentType) {
    boolean ownLength = extraHeaders.contains("Content-Length") || extraHeaders.contains("Transfer-Encoding");
    Map<String, String> headers = new LinkedHashMap<>();
    if (contentType != null) {
      headers.put("Content-Type", contentType);
    }
    StringBuilder text = new StringBuilder("POST " + CHAT + " HTTP/1.1\r\nHost: " + host + "\r\n");
    headers.forEach((name, value) -> text.append(name).append(": ").append(value).append("\r\n"));
    text.append(extraHeaders);
    if (!ownLength) {
      text.append("Content-Length: ").append(body.length()).append("\r\n");
    }
    return text.append("Connection: close\r\n\r\n").append(body).toString();
  }

  private static String utf8AsLatin1(String text) {
    return new String(text.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
  }

  /** CPU used so far by the gateway's own threads (Jetty's pool is named for it). */
  static long gatewayCpuNanos() {
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    long total = 0;
    for (var info : threads.getThreadInfo(threads.getAllThreadIds())) {
      if (info != null && info.getThreadName().startsWith("sheepdog-gateway")) {
        long cpu = threads.getThreadCpuTime(info.getThreadId());
        total += Math.max(0, cpu);
      }
    }
    return total;
  }
}
