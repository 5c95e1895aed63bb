package dev.sheepdog.gateway;

import static dev.sheepdog.gateway.ChatCompletionsTest.json;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

/** Every refusal in OpenAI's error shape, with its status, and nothing secret in it. */
class ErrorResponsesTest {
  @AutoClose
  private GatewayFixture fixture;

  @Test
  void malformed_json_is_a_400() {
    // given
    fixture = new GatewayFixture();
    // when
    HttpResponse<String> response = fixture.send(fixture.post("{\"model\":\"auto\",\"messages\":["));
    // then
    assertError(response, 400, "invalid_request_error", "invalid_json");
    assertThat(response.body()).doesNotContain("at dev.", "Exception");
  }

  @Test
  void missing_messages_is_a_400_naming_the_member() {
    // given
    fixture = new GatewayFixture();
    // when
    HttpResponse<String> response = fixture.send(fixture.post("{\"model\":\"auto\"}"));
    // then
    assertThat(error(assertError(response, 400, "invalid_request_error", "invalid_value")).get("param"))
        .isEqualTo("messages");
  }

  @Test
  void a_message_without_a_role_is_a_400_naming_it() {
    // given
    fixture = new GatewayFixture();
    // when
    HttpResponse<String> response = fixture.send(fixture.post(
        "{\"model\":\"auto\",\"messages\":[{\"content\":\"Hi\"}]}"));
    // then
    assertThat(error(assertError(response, 400, "invalid_request_error", "invalid_value")).get("param"))
        .isEqualTo("messages[0].role");
  }

  @Test
  void an_unknown_model_or_route_is_a_404() {
    // given
    fixture = new GatewayFixture();
    // when
    HttpResponse<String> unknownModel = fixture.chat("gpt-9");
    HttpResponse<String> unknownPriority = fixture.chat("general:urgent");
    // then
    assertError(unknownModel, 404, "invalid_request_error", "model_not_found");
    assertError(unknownPriority, 404, "invalid_request_error", "model_not_found");
    assertThat(fixture.alpha.server.getRequestCount()).isZero();
  }

  @Test
  void a_task_header_without_a_route_is_a_404() {
    // given
    fixture = new GatewayFixture();
    // when
    HttpResponse<String> response = fixture.send(fixture.post(GatewayFixture.chatBody("auto", false))
        .header("X-Sheepdog-Task", "poetry"));
    // then
    assertThat(error(assertError(response, 404, "invalid_request_error", "route_not_found")).get("param"))
        .isEqualTo("X-Sheepdog-Task");
  }

  @Test
  void a_stream_past_its_deadline_is_a_504() {
    // given
    fixture = new GatewayFixture(config -> config.deadline(Duration.ofMillis(300)));
    fixture.alpha.enqueue(new MockResponse.Builder(Upstream.sse(Upstream.wholeStream("late")))
        .headersDelay(10, TimeUnit.SECONDS).build());
    // when
    HttpResponse<String> response = fixture.send(fixture.post(GatewayFixture.chatBody("auto", true)));
    // then
    assertError(response, 504, "timeout_error", "deadline_exceeded");
  }

  @Test
  void a_body_over_the_limit_is_a_413() {
    // given
    fixture = new GatewayFixture(config -> config.maxBodyBytes(1_000));
    String big = GatewayFixture.chatBody("auto", false).replace("Hi", "x".repeat(2_000));
    // when
    HttpResponse<String> response = fixture.send(fixture.post(big));
    // then
    assertError(response, 413, "invalid_request_error", "request_too_large");
  }

  @Test
  void a_chunked_body_over_the_limit_is_a_413_once_it_passes_the_limit() {
    // given
    fixture = new GatewayFixture(config -> config.maxBodyBytes(1_000));
    byte[] big = GatewayFixture.chatBody("auto", false).replace("Hi", "x".repeat(5_000))
        .getBytes(StandardCharsets.UTF_8);
    // when
    HttpResponse<String> response = fixture.send(fixture.post("")
        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(big))));
    // then
    assertError(response, 413, "invalid_request_error", "request_too_large");
    assertThat(fixture.alpha.server.getRequestCount()).isZero();
  }

  @Test
  void every_model_rate_limited_is_a_429_with_retry_after() {
    // given
    fixture = new GatewayFixture();
    fixture.alpha.enqueue(new MockResponse.Builder(Upstream.error(429, "slow down")).setHeader("Retry-After", "7")
        .build());
    fixture.beta.enqueue(new MockResponse.Builder(Upstream.error(429, "slow down")).setHeader("Retry-After", "7")
        .build());
    // when
    HttpResponse<String> response = fixture.chat("auto");
    // then
    assertError(response, 429, "rate_limit_error", "rate_limit_exceeded");
    assertThat(response.headers().firstValue("Retry-After")).hasValueSatisfying(
        seconds -> assertThat(Long.parseLong(seconds)).isBetween(1L, 7L));
  }

  @Test
  void models_cooling_down_after_429s_hold_the_next_request_back_without_calling_them() {
    // given
    fixture = new GatewayFixture();
    fixture.alpha.enqueue(new MockResponse.Builder(Upstream.error(429, "slow down")).setHeader("Retry-After", "30")
        .build());
    fixture.beta.enqueue(new MockResponse.Builder(Upstream.error(429, "slow down")).setHeader("Retry-After", "30")
        .build());
    fixture.chat("auto");
    // when
    HttpResponse<String> response = fixture.chat("auto");
    // then
    assertError(response, 429, "rate_limit_error", "rate_limit_exceeded");
    assertThat(response.headers().firstValue("Retry-After")).hasValueSatisfying(
        seconds -> assertThat(Long.parseLong(seconds)).isBetween(20L, 30L));
    assertThat(fixture.alpha.server.getRequestCount() + fixture.beta.server.getRequestCount()).isEqualTo(2);
  }

  @Test
  void every_model_failing_is_a_503_with_retry_after() {
    // given
    fixture = new GatewayFixture();
    fixture.alpha.enqueue(Upstream.error(500, "boom"));
    fixture.beta.enqueue(Upstream.error(502, "bad gateway"));
    // when
    HttpResponse<String> response = fixture.chat("auto");
    // then
    assertError(response, 503, "server_error", "all_models_failed");
    assertThat(response.headers().firstValue("Retry-After")).isPresent();
    assertThat(response.headers().firstValue("X-Sheepdog-Deferred-Id")).isEmpty();
  }

  @Test
  void a_request_that_may_be_deferred_is_a_503_with_its_deferred_id() {
    // given
    fixture = new GatewayFixture();
    fixture.alpha.enqueue(Upstream.error(500, "boom"));
    fixture.beta.enqueue(Upstream.error(500, "boom"));
    // when
    HttpResponse<String> response = fixture.send(fixture.post(GatewayFixture.chatBody("auto", false))
        .header("X-Sheepdog-Allow-Defer", "true"));
    // then
    assertError(response, 503, "server_error", "all_models_failed");
    String deferredId = response.headers().firstValue("X-Sheepdog-Deferred-Id").orElseThrow();
    assertThat(error(response).get("deferred_id")).isEqualTo(deferredId);
    assertThat(fixture.deferred.find(deferredId)).isPresent();
  }

  @Test
  void a_request_past_its_deadline_is_a_504() {
    // given
    fixture = new GatewayFixture(config -> config.deadline(Duration.ofMillis(300)));
    fixture.alpha.enqueue(new MockResponse.Builder(Upstream.json(200, Upstream.answer("late")))
        .headersDelay(10, TimeUnit.SECONDS).build());
    // when
    HttpResponse<String> response = fixture.chat("auto");
    // then
    assertError(response, 504, "timeout_error", "deadline_exceeded");
  }

  @Test
  void an_upstream_refusal_keeps_its_status_and_never_shows_an_upstream_key() {
    // given
    fixture = new GatewayFixture();
    fixture.alpha.enqueue(Upstream.json(400, "{\"error\":{\"message\":\"bad tools for key "
        + GatewayFixture.UPSTREAM_KEY_A + "\",\"type\":\"invalid_request_error\",\"param\":null,\"code\":null}}"));
    // when
    HttpResponse<String> response = fixture.chat("auto");
    // then
    assertError(response, 400, "invalid_request_error", "bad_request");
    assertThat(response.body()).contains("bad tools").doesNotContain(GatewayFixture.UPSTREAM_KEY_A, "SECRET");
    assertThat(fixture.beta.server.getRequestCount()).isZero();
  }

  @Test
  void a_malformed_hint_header_is_a_400() {
    // given
    fixture = new GatewayFixture();
    // when
    HttpResponse<String> response = fixture.send(fixture.post(GatewayFixture.chatBody("auto", false))
        .header("X-Sheepdog-Max-Cost-Usd", "lots"));
    // then
    assertThat(error(assertError(response, 400, "invalid_request_error", "invalid_value")).get("param"))
        .isEqualTo("X-Sheepdog-Max-Cost-Usd");
  }

  static HttpResponse<String> assertError(HttpResponse<String> response, int status, String type, String code) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
    assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
        contentType -> assertThat(contentType).startsWith("application/json"));
    Map<?, ?> error = error(response);
    assertThat(error.get("type")).isEqualTo(type);
    assertThat(error.get("code")).isEqualTo(code);
    assertThat(error.get("message")).asString().isNotBlank();
    assertThat(error.containsKey("param")).as("has a param member").isTrue();
    return response;
  }

  static Map<?, ?> error(HttpResponse<String> response) {
    return (Map<?, ?>) json(response.body()).get("error");
  }

}
