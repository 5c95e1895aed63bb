package dev.sheepdog.gateway;

import static dev.sheepdog.gateway.ChatCompletionsTest.json;
import static dev.sheepdog.gateway.ErrorResponsesTest.assertError;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.InstanceOfAssertFactories.MAP;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

/** {@code POST /admin/deferred/{id}/replay} and {@code POST /admin/deferred/replay}. */
class DeferredReplayTest {
  private static final String CLIENT_KEY = "gw-client-key-1";
  private static final String ADMIN_KEY = "gw-admin-key-1";

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

  /** Sends a deferrable request both models fail; returns its deferred id. */
  private String defer(String requestId) {
    fixture.alpha.enqueue(Upstream.error(500, "boom"));
    fixture.beta.enqueue(Upstream.error(500, "boom"));
    HttpResponse<String> response = fixture.send(fixture.post(GatewayFixture.chatBody("auto", false))
        .header("Authorization", "Bearer " + CLIENT_KEY).header("X-Sheepdog-Allow-Defer", "true")
        .header("X-Request-Id", requestId));
    assertThat(response.statusCode()).isEqualTo(503);
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
