package dev.sheepdog.gateway;

import static dev.sheepdog.gateway.ChatCompletionsTest.json;
import static dev.sheepdog.gateway.ErrorResponsesTest.assertError;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.InstanceOfAssertFactories.MAP;

import dev.sheepdog.core.deferred.ReplayPolicy;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

/**
 * {@code POST /admin/deferred/{id}/replay} and {@code POST /admin/deferred/replay}; the client's
 * {@code GET /v1/sheepdog/deferred/{id}} and callbacks of what the replays delivered.
 */
class DeferredReplayTest {
  private static final String CLIENT_KEY = "gw-client-key-1";
  private static final String ADMIN_KEY = "gw-admin-key-1";
  private static final String OTHER_KEY = "gw-client-key-2";

  @AutoClose
  private GatewayFixture fixture;

  @Test
  void replaying_one_request_answers_with_its_outcome_and_settles_it() {
    // given a request deferred after both models failed, and a model that recovered
    fixture = new GatewayFixture(config -> config.clientKey(CLIENT_KEY).adminKey(ADMIN_KEY));
    String id = defer("client-req-1");
    fixture.alpha.enqueue(Upstream.json(200, Upstream.answer("late but fine")));
    // when
    HttpResponse<String> replay = fixture.send(admin("/admin/deferred/" + id + "/replay").POST(noBody()));
    HttpResponse<String> again = fixture.send(admin("/admin/deferred/" + id + "/replay").POST(noBody()));
    // then
    assertThat(replay.statusCode()).isEqualTo(200);
    Map<?, ?> outcome = json(replay.body());
    assertThat(outcome.get("outcome")).isEqualTo("delivered");
    assertThat(outcome.get("id")).isEqualTo(id);
    assertThat(outcome.get("state")).isEqualTo("delivered");
    assertThat(outcome.get("request_id")).isEqualTo("client-req-1");
    assertThat(outcome.get("model")).isEqualTo("model-a");
    assertThat(outcome.get("attempts")).isEqualTo(1L);
    // 10 prompt tokens at $1/M and 5 completion tokens at $2/M
    assertThat(outcome.get("cost_usd")).isEqualTo("0.000020");
    assertThat(replay.body()).doesNotContain("late but fine", "\"Hi\"");
    assertThat(fixture.router.ledger().totalForTag(clientTag()).toUsdString()).isEqualTo("0.000020");
    assertError(again, 409, "invalid_request_error", "deferred_not_replayable");
    assertThat(fixture.get("/metrics").body()).contains("sheepdog_deferred_replays_total{outcome=\"delivered\"} 1.0",
        "sheepdog_deferred_queued 0.0");
  }

  @Test
  void a_replay_that_fails_again_keeps_the_request_queued_with_its_masked_reason() {
    // given
    fixture = new GatewayFixture(config -> config.clientKey(CLIENT_KEY).adminKey(ADMIN_KEY));
    String id = defer("client-req-2");
    fixture.alpha.enqueue(Upstream.error(500, "still down for key sk-live-1234567890abcdef"));
    fixture.beta.enqueue(Upstream.error(500, "still down"));
    // when
    HttpResponse<String> replay = fixture.send(admin("/admin/deferred/" + id + "/replay").POST(noBody()));
    // then
    assertThat(replay.statusCode()).isEqualTo(200);
    Map<?, ?> outcome = json(replay.body());
    assertThat(outcome.get("outcome")).isEqualTo("failed");
    assertThat(outcome.get("state")).isEqualTo("queued");
    assertThat(outcome.get("replays")).isEqualTo(1L);
    assertThat((Long) outcome.get("next_attempt_at")).isGreaterThan((Long) outcome.get("deferred_at"));
    assertThat((String) outcome.get("last_reason")).contains("every model failed");
    assertThat(outcome.containsKey("model") || outcome.containsKey("cost_usd")).isFalse();
    assertThat(replay.body()).doesNotContain("sk-live-1234567890abcdef");
  }

  @Test
  void a_pass_replays_every_due_request() {
    // given two deferred requests and models that recovered
    fixture = new GatewayFixture(config -> config.clientKey(CLIENT_KEY).adminKey(ADMIN_KEY));
    defer("client-req-3");
    defer("client-req-4");
    fixture.alpha.enqueue(Upstream.json(200, Upstream.answer("one")));
    fixture.alpha.enqueue(Upstream.json(200, Upstream.answer("two")));
    // when
    HttpResponse<String> pass = fixture.send(admin("/admin/deferred/replay").POST(noBody()));
    HttpResponse<String> empty = fixture.send(admin("/admin/deferred/replay").POST(noBody()));
    // then
    assertThat(pass.statusCode()).isEqualTo(200);
    assertThat(json(pass.body())).asInstanceOf(MAP).containsEntry("object", "deferred.replay_pass").containsEntry("replayed", 2L)
        .containsEntry("delivered", 2L).containsEntry("failed", 0L).containsEntry("dead_lettered", 0L)
        .containsEntry("queued", 0L);
    assertThat(json(empty.body())).asInstanceOf(MAP).containsEntry("replayed", 0L);
    assertThat(fixture.deferred.queued()).isZero();
  }

  @Test
  void replay_needs_the_admin_key_post_and_a_known_id() {
    // given
    fixture = new GatewayFixture(config -> config.clientKey(CLIENT_KEY).adminKey(ADMIN_KEY));
    String id = defer("client-req-5");
    // when
    HttpResponse<String> asClient = fixture.send(HttpRequest.newBuilder(fixture.uri("/admin/deferred/" + id
        + "/replay")).header("Authorization", "Bearer " + CLIENT_KEY).POST(noBody()));
    HttpResponse<String> passAsClient = fixture.send(HttpRequest.newBuilder(fixture.uri("/admin/deferred/replay"))
        .header("Authorization", "Bearer " + CLIENT_KEY).POST(noBody()));
    HttpResponse<String> get = fixture.send(admin("/admin/deferred/" + id + "/replay").GET());
    HttpResponse<String> unknown = fixture.send(admin("/admin/deferred/def-nope/replay").POST(noBody()));
    // then
    assertError(asClient, 401, "invalid_request_error", "invalid_api_key");
    assertError(passAsClient, 401, "invalid_request_error", "invalid_api_key");
    assertError(get, 405, "invalid_request_error", "method_not_allowed");
    assertError(unknown, 404, "invalid_request_error", "deferred_not_found");
    assertThat(fixture.deferred.find(id)).hasValueSatisfying(entry -> assertThat(entry.replays()).isZero());
  }

  @Test
  void its_client_fetches_the_answer_a_replay_delivered_and_no_one_else_does() {
    // given a deferred request of one client, replayed by the admin
    fixture = new GatewayFixture(config -> config.clientKey(CLIENT_KEY).clientKey(OTHER_KEY).adminKey(ADMIN_KEY));
    String id = defer("client-req-6");
    HttpResponse<String> queued = fetch(id, CLIENT_KEY);
    fixture.alpha.enqueue(Upstream.json(200, Upstream.answer("late but fine")));
    fixture.send(admin("/admin/deferred/" + id + "/replay").POST(noBody()));
    // when
    HttpResponse<String> delivered = fetch(id, CLIENT_KEY);
    // then
    assertThat(json(queued.body())).asInstanceOf(MAP).containsEntry("status", "queued").containsEntry("id", id);
    assertThat(delivered.statusCode()).isEqualTo(200);
    Map<?, ?> body = json(delivered.body());
    assertThat(body).asInstanceOf(MAP).containsEntry("status", "delivered").containsEntry("request_id", "client-req-6")
        .containsEntry("model", "model-a").containsEntry("cost_usd", "0.000020");
    assertThat(body.get("completion")).asInstanceOf(MAP).containsEntry("object", "chat.completion")
        .containsEntry("model", "model-a");
    assertThat(delivered.body()).contains("late but fine");
    assertError(fetch(id, OTHER_KEY), 404, "invalid_request_error", "deferred_not_found");
    assertError(fetch(id, ADMIN_KEY), 401, "invalid_request_error", "invalid_api_key");
    assertError(fixture.send(HttpRequest.newBuilder(fixture.uri("/v1/sheepdog/deferred/" + id))
        .header("Authorization", "Bearer " + CLIENT_KEY).POST(noBody())), 405, "invalid_request_error",
        "method_not_allowed");
  }

  @Test
  void a_delivered_answer_is_posted_to_the_callback_its_client_named_and_retried_until_taken() throws Exception {
    // given a callback receiver that fails its first post
    try (MockWebServer hooks = new MockWebServer()) {
      hooks.enqueue(new MockResponse.Builder().code(500).build());
      hooks.enqueue(new MockResponse.Builder().code(204).build());
      hooks.start();
      fixture = new GatewayFixture(config -> config.clientKey(CLIENT_KEY).adminKey(ADMIN_KEY)
          .deferred(callbacksTo("127.0.0.1")));
      String id = defer("client-req-7", "http://127.0.0.1:" + hooks.getPort() + "/hook?team=a");
      fixture.alpha.enqueue(Upstream.json(200, Upstream.answer("posted back")));
      // when a replay delivers it
      fixture.send(admin("/admin/deferred/" + id + "/replay").POST(noBody()));
      // then the answer is posted, again after the 500
      RecordedRequest first = hooks.takeRequest(10, TimeUnit.SECONDS);
      RecordedRequest second = hooks.takeRequest(10, TimeUnit.SECONDS);
      assertThat(first).isNotNull();
      assertThat(second).isNotNull();
      assertThat(second.getTarget()).isEqualTo("/hook?team=a");
      assertThat(second.getHeaders().get("X-Sheepdog-Deferred-Id")).isEqualTo(id);
      assertThat(second.getBody().utf8()).contains("\"status\":\"delivered\"").contains("posted back")
          .contains("\"completion\":{");
      assertThat(fixture.get("/metrics").body()).contains("sheepdog_deferred_callbacks_total{outcome=\"retried\"} 1.0");
    }
  }

  @Test
  void a_callback_to_a_host_not_allowed_is_refused_before_anything_is_called() {
    // given
    fixture = new GatewayFixture(config -> config.clientKey(CLIENT_KEY).deferred(callbacksTo("hooks.example.com")));
    // when
    HttpResponse<String> foreign = callback("http://169.254.169.254/latest/meta-data");
    HttpResponse<String> userInfo = callback("https://user:pw@hooks.example.com/x");
    HttpResponse<String> scheme = callback("file:///etc/passwd");
    // then
    assertError(foreign, 400, "invalid_request_error", "invalid_value");
    assertThat(foreign.body()).contains("allowed_hosts").doesNotContain("169.254");
    assertError(userInfo, 400, "invalid_request_error", "invalid_value");
    assertError(scheme, 400, "invalid_request_error", "invalid_value");
    assertThat(fixture.alpha.server.getRequestCount()).isZero();
  }

  @Test
  void a_callback_is_refused_when_callbacks_are_off() {
    fixture = new GatewayFixture(config -> config.clientKey(CLIENT_KEY));
    HttpResponse<String> response = callback("https://hooks.example.com/x");
    assertError(response, 400, "invalid_request_error", "invalid_value");
    assertThat(response.body()).contains("callbacks are not enabled");
  }

  private HttpResponse<String> callback(String url) {
    return fixture.send(fixture.post(GatewayFixture.chatBody("auto", false))
        .header("Authorization", "Bearer " + CLIENT_KEY).header("X-Sheepdog-Allow-Defer", "true")
        .header("X-Sheepdog-Callback-Url", url));
  }

  private static DeferredSettings callbacksTo(String host) {
    return new DeferredSettings(false, ReplayPolicy.DEFAULT, Set.of(host), 3, Duration.ofSeconds(5));
  }

  private HttpResponse<String> fetch(String id, String key) {
    return fixture.send(HttpRequest.newBuilder(fixture.uri("/v1/sheepdog/deferred/" + id))
        .header("Authorization", "Bearer " + key).GET());
  }

  /** Sends a deferrable request both models fail; returns its deferred id. */
  private String defer(String requestId) {
    return defer(requestId, null);
  }

  private String defer(String requestId, String callbackUrl) {
    fixture.alpha.enqueue(Upstream.error(500, "boom"));
    fixture.beta.enqueue(Upstream.error(500, "boom"));
    HttpRequest.Builder request = fixture.post(GatewayFixture.chatBody("auto", false))
        .header("Authorization", "Bearer " + CLIENT_KEY).header("X-Sheepdog-Allow-Defer", "true")
        .header("X-Request-Id", requestId);
    if (callbackUrl != null) {
      request.header("X-Sheepdog-Callback-Url", callbackUrl);
    }
    HttpResponse<String> response = fixture.send(request);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(503);
    return response.headers().firstValue("X-Sheepdog-Deferred-Id").orElseThrow();
  }

  private HttpRequest.Builder admin(String path) {
    return HttpRequest.newBuilder(fixture.uri(path)).header("Authorization", "Bearer " + ADMIN_KEY);
  }

  private static HttpRequest.BodyPublisher noBody() {
    return HttpRequest.BodyPublishers.noBody();
  }

  static String clientTag() {
    return ClientSpendTest.tagOf(CLIENT_KEY);
  }
}
