package dev.sheepdog.gateway;

import static dev.sheepdog.gateway.ChatCompletionsTest.json;
import static dev.sheepdog.gateway.ErrorResponsesTest.assertError;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

/** Client keys, liveness, readiness and the model list. */
class AuthAndEndpointsTest {
  private static final String CLIENT_KEY = "gw-client-key-1";

  @AutoClose
  private GatewayFixture fixture;

  @Test
  void a_request_without_a_key_is_a_401() {
    // given
    fixture = new GatewayFixture(config -> config.clientKey(CLIENT_KEY));
    // when
    HttpResponse<String> response = fixture.chat("auto");
    // then
    assertError(response, 401, "invalid_request_error", "invalid_api_key");
    assertThat(fixture.alpha.server.getRequestCount()).isZero();
  }

  @Test
  void a_request_with_a_wrong_key_is_a_401() {
    // given
    fixture = new GatewayFixture(config -> config.clientKey(CLIENT_KEY));
    // when
    HttpResponse<String> response = fixture.send(fixture.post(GatewayFixture.chatBody("auto", false))
        .header("Authorization", "Bearer " + CLIENT_KEY + "x"));
    // then
    assertError(response, 401, "invalid_request_error", "invalid_api_key");
    assertThat(response.body()).doesNotContain(CLIENT_KEY);
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
  void the_model_list_needs_a_key_too() {
    // given
    fixture = new GatewayFixture(config -> config.clientKey(CLIENT_KEY));
    // when
    HttpResponse<String> response = fixture.get("/v1/models");
    // then
    assertError(response, 401, "invalid_request_error", "invalid_api_key");
  }

  @Test
  void serving_without_keys_off_loopback_is_refused() {
    assertThatThrownBy(() -> GatewayConfig.builder().host("0.0.0.0").build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("loopback");
  }

  @Test
  void health_and_readiness_answer_without_a_key() {
    // given
    fixture = new GatewayFixture(config -> config.clientKey(CLIENT_KEY));
    // when
    HttpResponse<String> health = fixture.get("/health");
    HttpResponse<String> ready = fixture.get("/ready");
    // then
    assertThat(health.statusCode()).isEqualTo(200);
    assertThat(json(health.body()).get("status")).isEqualTo("ok");
    assertThat(ready.statusCode()).isEqualTo(200);
  }

  @Test
  void models_lists_catalog_models_and_route_aliases() {
    // given
    fixture = new GatewayFixture();
    // when
    HttpResponse<String> response = fixture.get("/v1/models");
    // then
    assertThat(response.statusCode()).isEqualTo(200);
    Map<?, ?> json = json(response.body());
    assertThat(json.get("object")).isEqualTo("list");
    List<Object> ids = ((List<?>) json.get("data")).stream().map(m -> (Object) ((Map<?, ?>) m).get("id")).toList();
    assertThat(ids).contains("model-a", "model-b", "auto", "code_generation:high", "general:fast");
  }
}
