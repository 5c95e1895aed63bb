package dev.sheepdog.gateway;

import static dev.sheepdog.gateway.ChatCompletionsTest.json;
import static dev.sheepdog.gateway.ErrorResponsesTest.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The admin health report: behind the admin key, and free of upstream keys. */
class AdminTest {
  private static final String CLIENT_KEY = "gw-client-key-1";
  private static final String ADMIN_KEY = "gw-admin-key-1";

  private GatewayFixture fixture;

  @AfterEach
  void close() {
    if (fixture != null) {
      fixture.close();
    }
  }

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

  private HttpRequest.Builder admin() {
    return HttpRequest.newBuilder(fixture.uri("/admin/health")).GET();
  }
}
