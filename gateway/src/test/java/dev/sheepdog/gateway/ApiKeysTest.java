package dev.sheepdog.gateway;

import static dev.sheepdog.gateway.ErrorResponsesTest.assertError;
import static dev.sheepdog.gateway.ErrorResponsesTest.error;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

/**
 * Client keys and the admin key: a client endpoint takes any configured client key, an admin
 * endpoint only the admin key, and everyone else gets a 401 in OpenAI's error shape.
 */
class ApiKeysTest {
  private static final String CLIENT_KEY = "gw-client-key-1";
  private static final String OTHER_CLIENT_KEY = "gw-client-key-2";
  private static final String ADMIN_KEY = "gw-admin-key-1";
  private static final String MISSING = "missing Authorization: Bearer <key> header";
  private static final String NOT_VALID = "the API key is not valid for this gateway";
  private static final String NOT_ADMIN = "the admin endpoints need the admin key";

  @AutoClose
  private GatewayFixture fixture;

  @Test
  void a_request_without_a_key_is_a_401() {
    // given
    fixture = new GatewayFixture(config -> config.clientKey(CLIENT_KEY));
    // when
    HttpResponse<String> response = fixture.chat("auto");
    // then
    assertUnauthorized(response, MISSING);
    assertThat(fixture.alpha.server.getRequestCount()).isZero();
  }

  @Test
  void a_key_in_another_scheme_than_bearer_is_a_401() {
    // given
    fixture = new GatewayFixture(config -> config.clientKey(CLIENT_KEY));
    String basic = Base64.getEncoder().encodeToString((CLIENT_KEY + ":").getBytes(StandardCharsets.UTF_8));
    // when
    HttpResponse<String> response = fixture.send(models().header("Authorization", "Basic " + basic));
    HttpResponse<String> bare = fixture.send(models().header("Authorization", CLIENT_KEY));
    // then
    assertUnauthorized(response, MISSING);
    assertUnauthorized(bare, MISSING);
  }

  @Test
  void an_empty_bearer_key_is_a_401() {
    // given
    fixture = new GatewayFixture(config -> config.clientKey(CLIENT_KEY));
    // when
    HttpResponse<String> response = fixture.send(models().header("Authorization", "Bearer   "));
    // then
    assertUnauthorized(response, MISSING);
  }

  @Test
  void a_request_with_a_wrong_key_is_a_401() {
    // given
    fixture = new GatewayFixture(config -> config.clientKey(CLIENT_KEY));
    // when
    HttpResponse<String> response = fixture.send(fixture.post(GatewayFixture.chatBody("auto", false))
        .header("Authorization", "Bearer " + CLIENT_KEY + "x"));
    HttpResponse<String> prefix = fixture.send(models().header("Authorization",
        "Bearer " + CLIENT_KEY.substring(0, CLIENT_KEY.length() - 1)));
    // then
    assertUnauthorized(response, NOT_VALID);
    assertThat(response.body()).doesNotContain(CLIENT_KEY);
    assertUnauthorized(prefix, NOT_VALID);
    assertThat(fixture.alpha.server.getRequestCount()).isZero();
  }

  @Test
  void a_request_with_a_client_key_is_served_with_the_upstream_key() throws Exception {
    // given
    fixture = new GatewayFixture(config -> config.clientKey(CLIENT_KEY));
    fixture.alpha.enqueue(Upstream.json(200, Upstream.answer("ok")));
    // when
    HttpResponse<String> response = fixture.send(fixture.post(GatewayFixture.chatBody("auto", false))
        .header("Authorization", "Bearer " + CLIENT_KEY));
    // then
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(fixture.alpha.take().getHeaders().get("Authorization"))
        .isEqualTo("Bearer " + GatewayFixture.UPSTREAM_KEY_A);
  }

  @Test
  void every_configured_client_key_is_accepted_in_any_case_of_the_scheme() {
    // given
    fixture = new GatewayFixture(config -> config.clientKey(CLIENT_KEY).clientKey(OTHER_CLIENT_KEY));
    // when
    HttpResponse<String> first = fixture.send(models().header("Authorization", "Bearer " + CLIENT_KEY));
    HttpResponse<String> second = fixture.send(models().header("Authorization", "bearer  " + OTHER_CLIENT_KEY + " "));
    // then
    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(second.statusCode()).isEqualTo(200);
  }

  @Test
  void the_model_list_needs_a_key_too() {
    // given
    fixture = new GatewayFixture(config -> config.clientKey(CLIENT_KEY));
    // when
    HttpResponse<String> response = fixture.get("/v1/models");
    // then
    assertUnauthorized(response, MISSING);
  }

  @Test
  void the_admin_key_is_not_a_client_key() {
    // given
    fixture = new GatewayFixture(config -> config.clientKey(CLIENT_KEY).adminKey(ADMIN_KEY));
    // when
    HttpResponse<String> response = fixture.send(fixture.post(GatewayFixture.chatBody("auto", false))
        .header("Authorization", "Bearer " + ADMIN_KEY));
    // then
    assertUnauthorized(response, NOT_VALID);
    assertThat(fixture.alpha.server.getRequestCount()).isZero();
  }

  @Test
  void a_client_key_on_an_admin_endpoint_is_a_401() {
    // given
    fixture = new GatewayFixture(config -> config.clientKey(CLIENT_KEY).adminKey(ADMIN_KEY));
    // when
    HttpResponse<String> client = fixture.send(adminHealth().header("Authorization", "Bearer " + CLIENT_KEY));
    HttpResponse<String> anonymous = fixture.send(adminHealth());
    HttpResponse<String> basic = fixture.send(adminHealth().header("Authorization", "Basic " + ADMIN_KEY));
    HttpResponse<String> admin = fixture.send(adminHealth().header("Authorization", "Bearer " + ADMIN_KEY));
    // then
    assertUnauthorized(client, NOT_ADMIN);
    assertThat(client.body()).doesNotContain(CLIENT_KEY);
    assertUnauthorized(anonymous, NOT_ADMIN);
    assertUnauthorized(basic, NOT_ADMIN);
    assertThat(admin.statusCode()).isEqualTo(200);
  }

  @Test
  void without_an_admin_key_an_admin_endpoint_is_a_404_whatever_key_is_given() {
    // given
    fixture = new GatewayFixture(config -> config.clientKey(CLIENT_KEY));
    // when
    HttpResponse<String> response = fixture.send(adminHealth().header("Authorization", "Bearer " + CLIENT_KEY));
    // then
    assertError(response, 404, "invalid_request_error", "unknown_url");
    assertThat(error(response).get("message")).isEqualTo(
        "the admin endpoints are disabled: no admin key is configured");
  }

  @Test
  void without_client_keys_every_local_client_is_served_whatever_it_sends() {
    // given
    fixture = new GatewayFixture();
    // when
    HttpResponse<String> anonymous = fixture.send(models());
    HttpResponse<String> anyKey = fixture.send(models().header("Authorization", "Bearer anything"));
    // then
    assertThat(anonymous.statusCode()).isEqualTo(200);
    assertThat(anyKey.statusCode()).isEqualTo(200);
  }

  @Test
  void serving_without_keys_off_loopback_is_refused() {
    assertThatThrownBy(() -> GatewaySettings.builder().host("0.0.0.0").build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("loopback");
  }

  /** A 401 in OpenAI's shape, with {@code message}. */
  private static void assertUnauthorized(HttpResponse<String> response, String message) {
    assertError(response, 401, "invalid_request_error", "invalid_api_key");
    assertThat(error(response).get("message")).isEqualTo(message);
    assertThat(error(response).get("param")).isNull();
  }

  private HttpRequest.Builder models() {
    return HttpRequest.newBuilder(fixture.uri("/v1/models")).GET();
  }

  private HttpRequest.Builder adminHealth() {
    return HttpRequest.newBuilder(fixture.uri("/admin/health")).GET();
  }
}
