package dev.sheepdog.gateway;

import static dev.sheepdog.gateway.ChatCompletionsTest.json;
import static dev.sheepdog.gateway.ErrorResponsesTest.assertError;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

/** The admin health report: behind the admin key, and free of upstream keys. */
class AdminTest {
  private static final String CLIENT_KEY = "gw-client-key-1";
  private static final String ADMIN_KEY = "gw-admin-key-1";

  @AutoClose
  private GatewayFixture fixture;

  @Test
  void the_health_report_needs_the_admin_key() {
    // given
    fixture = new GatewayFixture(config -> config.clientKey(CLIENT_KEY).adminKey(ADMIN_KEY));
    // when
    HttpResponse<String> anonymous = fixture.get("/admin/health");
    HttpResponse<String> client = fixture.send(admin().header("Authorization", "Bearer " + CLIENT_KEY));
    // then
    assertError(anonymous, 401, "invalid_request_error", "invalid_api_key");
    assertError(client, 401, "invalid_request_error", "invalid_api_key");
  }

  @Test
  void the_health_report_shows_each_model_and_no_upstream_key() {
    // given
    fixture = new GatewayFixture(config -> config.clientKey(CLIENT_KEY).adminKey(ADMIN_KEY));
    fixture.alpha.enqueue(Upstream.json(401, "{\"error\":{\"message\":\"Incorrect API key provided: "
        + GatewayFixture.UPSTREAM_KEY_A + "\",\"type\":\"invalid_request_error\",\"param\":null,"
        + "\"code\":\"invalid_api_key\"}}"));
    fixture.beta.enqueue(Upstream.json(200, Upstream.answer("ok")));
    fixture.send(fixture.post(GatewayFixture.chatBody("auto", false)).header("Authorization", "Bearer " + CLIENT_KEY));
    // when
    HttpResponse<String> response = fixture.send(admin().header("Authorization", "Bearer " + ADMIN_KEY));
    // then
    assertThat(response.statusCode()).isEqualTo(200);
    List<Object> models = List.copyOf((List<?>) json(response.body()).get("models"));
    assertThat(models).extracting(m -> (Object) ((Map<?, ?>) m).get("model")).containsExactly("model-a", "model-b");
    Map<?, ?> modelA = (Map<?, ?>) models.get(0);
    assertThat(modelA.get("circuit")).isEqualTo("open");
    assertThat(modelA.get("last_failure")).isEqualTo("unauthorized");
    assertThat(response.body()).doesNotContain(GatewayFixture.UPSTREAM_KEY_A, GatewayFixture.UPSTREAM_KEY_B,
        "SECRET");
  }

  @Test
  void the_health_report_gives_traffic_shares_error_rates_latency_and_spend_per_route() {
    // given: model-a answers twice and fails once (model-b answers for it), model-b answers a pinned route
    fixture = new GatewayFixture(config -> config.clientKey(CLIENT_KEY).adminKey(ADMIN_KEY));
    fixture.alpha.enqueue(Upstream.json(200, Upstream.answer("one")));
    fixture.alpha.enqueue(Upstream.json(200, Upstream.answer("two")));
    fixture.alpha.enqueue(Upstream.error(500, "boom"));
    fixture.beta.enqueue(Upstream.json(200, Upstream.answer("three")));
    fixture.beta.enqueue(Upstream.json(200, Upstream.answer("four")));
    for (String model : List.of("auto", "auto", "auto", "code_generation:high")) {
      HttpResponse<String> answer = fixture.send(fixture.post(GatewayFixture.chatBody(model, false))
          .header("Authorization", "Bearer " + CLIENT_KEY));
      assertThat(answer.statusCode()).isEqualTo(200);
    }
    // when
    Map<?, ?> report = json(fixture.send(admin().header("Authorization", "Bearer " + ADMIN_KEY)).body());
    // then: 5 calls, 3 on model-a (1 failed) and 2 on model-b
    Map<?, ?> totals = (Map<?, ?>) report.get("totals");
    assertThat(totals.get("models")).isEqualTo(2L);
    assertThat(totals.get("models_not_closed")).isEqualTo(0L);
    assertThat(totals.get("calls")).isEqualTo(5L);
    assertThat(totals.get("successes")).isEqualTo(4L);
    assertThat(totals.get("window_calls")).isEqualTo(5L);
    assertThat((Double) totals.get("error_rate")).isCloseTo(0.2, within(1e-9));
    assertThat((Double) totals.get("window_error_rate")).isCloseTo(0.2, within(1e-9));
    assertThat(totals.get("in_flight")).isEqualTo(0L);
    // model-a: 10 prompt and 5 completion tokens at $1 and $2 per 1M; model-b at $3 and $4
    assertThat(totals.get("spend_usd")).isEqualTo("0.000140");
    assertThat(totals.get("spend_today_usd")).isEqualTo("0.000140");
    assertThat(report.get("spend_by_route")).isEqualTo(Map.of("code_generation:high", "0.000050",
        "general:normal", "0.000090"));
    List<?> models = (List<?>) report.get("models");
    Map<?, ?> a = (Map<?, ?>) models.get(0);
    Map<?, ?> b = (Map<?, ?>) models.get(1);
    assertThat((Double) a.get("traffic_share")).isCloseTo(0.6, within(1e-9));
    assertThat((Double) b.get("traffic_share")).isCloseTo(0.4, within(1e-9));
    assertThat(a.get("failure_count")).isEqualTo(1L);
    Map<?, ?> aWindow = (Map<?, ?>) a.get("window");
    assertThat((Double) aWindow.get("traffic_share")).isCloseTo(0.6, within(1e-9));
    assertThat((Double) aWindow.get("error_rate")).isCloseTo(1 / 3.0, within(1e-9));
    assertThat((Long) aWindow.get("p50_ms")).isNotNull();
    assertThat((Long) aWindow.get("p95_ms")).isGreaterThanOrEqualTo((Long) aWindow.get("p50_ms"));
    Map<?, ?> aLifetime = (Map<?, ?>) a.get("lifetime");
    assertThat(aLifetime.get("calls")).isEqualTo(3L);
    assertThat(aLifetime.get("successes")).isEqualTo(2L);
    assertThat(keys(aLifetime)).contains("p50_ms", "p95_ms", "p99_ms", "average_ms");
    assertThat(b.get("spend_usd")).isEqualTo("0.000100");
    // and the fields from before are all still there
    assertThat(keys(report)).contains("at", "total_spend_usd", "models", "recent_alerts");
    assertThat(keys(a)).contains("model", "provider", "circuit", "open_until", "cool_down_until",
        "consecutive_failures", "last_failure", "last_failure_at", "in_flight", "calls", "successes", "failures",
        "window", "ewma_latency_ms", "headroom", "spend_usd");
  }

  @Test
  void an_opened_circuit_is_counted_and_listed_among_recent_alerts() {
    // given: model-a fails three times in a row
    fixture = new GatewayFixture(config -> config.clientKey(CLIENT_KEY).adminKey(ADMIN_KEY));
    for (int i = 0; i < 3; i++) {
      fixture.alpha.enqueue(Upstream.error(500, "boom"));
      fixture.beta.enqueue(Upstream.json(200, Upstream.answer("ok")));
      fixture.send(fixture.post(GatewayFixture.chatBody("auto", false)).header("Authorization", "Bearer " + CLIENT_KEY));
    }
    // when
    Map<?, ?> report = json(fixture.send(admin().header("Authorization", "Bearer " + ADMIN_KEY)).body());
    // then
    assertThat(((Map<?, ?>) report.get("totals")).get("models_not_closed")).isEqualTo(1L);
    assertThat((List<?>) report.get("recent_alerts")).anySatisfy(alert -> {
      assertThat(((Map<?, ?>) alert).get("type")).isEqualTo("circuit_open");
      assertThat(((Map<?, ?>) alert).get("subject")).isEqualTo("model-a");
      assertThat(((Map<?, ?>) alert).get("resolved")).isEqualTo(false);
    });
  }

  @Test
  void deferred_requests_are_listed_and_found_by_id_without_their_messages() {
    // given
    fixture = new GatewayFixture(config -> config.clientKey(CLIENT_KEY).adminKey(ADMIN_KEY));
    fixture.alpha.enqueue(Upstream.error(500, "boom"));
    fixture.beta.enqueue(Upstream.error(500, "boom"));
    String body = GatewayFixture.chatBody("auto", false).replace("Hi", "confidential prompt");
    String deferredId = fixture.send(fixture.post(body).header("Authorization", "Bearer " + CLIENT_KEY)
        .header("X-Sheepdog-Allow-Defer", "true").header("X-Request-Id", "client-req-7"))
        .headers().firstValue("X-Sheepdog-Deferred-Id").orElseThrow();
    // when
    HttpResponse<String> list = fixture.send(HttpRequest.newBuilder(fixture.uri("/admin/deferred")).GET()
        .header("Authorization", "Bearer " + ADMIN_KEY));
    HttpResponse<String> one = fixture.send(HttpRequest.newBuilder(fixture.uri("/admin/deferred/" + deferredId))
        .GET().header("Authorization", "Bearer " + ADMIN_KEY));
    HttpResponse<String> unknown = fixture.send(HttpRequest.newBuilder(fixture.uri("/admin/deferred/def-nope"))
        .GET().header("Authorization", "Bearer " + ADMIN_KEY));
    // then
    assertThat(list.statusCode()).isEqualTo(200);
    List<?> entries = (List<?>) json(list.body()).get("data");
    assertThat(entries).hasSize(1);
    assertThat(((Map<?, ?>) entries.get(0)).get("id")).isEqualTo(deferredId);
    assertThat(one.statusCode()).isEqualTo(200);
    Map<?, ?> entry = json(one.body());
    assertThat(entry.get("state")).isEqualTo("queued");
    assertThat(entry.get("request_id")).isEqualTo("client-req-7");
    assertThat(list.body() + one.body()).doesNotContain("confidential prompt");
    assertError(unknown, 404, "invalid_request_error", "deferred_not_found");
  }

  @Test
  void the_deferred_list_needs_the_admin_key() {
    // given
    fixture = new GatewayFixture(config -> config.clientKey(CLIENT_KEY).adminKey(ADMIN_KEY));
    // when
    HttpResponse<String> response = fixture.send(HttpRequest.newBuilder(fixture.uri("/admin/deferred")).GET()
        .header("Authorization", "Bearer " + CLIENT_KEY));
    // then
    assertError(response, 401, "invalid_request_error", "invalid_api_key");
  }

  @Test
  void without_an_admin_key_the_admin_endpoints_do_not_exist() {
    // given
    fixture = new GatewayFixture();
    // when
    HttpResponse<String> response = fixture.send(admin().header("Authorization", "Bearer anything"));
    // then
    assertError(response, 404, "invalid_request_error", "unknown_url");
  }

  private static List<Object> keys(Map<?, ?> json) {
    return List.copyOf(json.keySet());
  }

  private HttpRequest.Builder admin() {
    return HttpRequest.newBuilder(fixture.uri("/admin/health")).GET();
  }
}
