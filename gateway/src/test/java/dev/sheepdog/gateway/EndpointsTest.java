package dev.sheepdog.gateway;

import static dev.sheepdog.gateway.ErrorResponsesTest.assertError;
import static dev.sheepdog.gateway.ErrorResponsesTest.error;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Set;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

/** Which method on which path reaches which endpoint; the 404 and 405 of the rest. */
class EndpointsTest {
  private static final String CLIENT_KEY = "gw-client-key-1";
  private static final String ADMIN_KEY = "gw-admin-key-1";

  @AutoClose
  private GatewayFixture fixture;

  @Test
  void an_unknown_path_is_a_404_naming_the_method_and_path() {
    // given
    fixture = new GatewayFixture();
    // when
    HttpResponse<String> unknown = fixture.get("/v1/nothing-here");
    HttpResponse<String> trailingSlash = fixture.get("/health/");
    // then
    assertError(unknown, 404, "invalid_request_error", "unknown_url");
    assertThat(error(unknown).get("message")).isEqualTo("no endpoint GET /v1/nothing-here");
    assertError(trailingSlash, 404, "invalid_request_error", "unknown_url");
  }

  @Test
  void a_wrong_method_is_a_405_with_the_allowed_one() {
    // given
    fixture = new GatewayFixture();
    // when
    HttpResponse<String> wrongMethod = fixture.get("/v1/chat/completions");
    // then
    assertError(wrongMethod, 405, "invalid_request_error", "method_not_allowed");
    assertThat(error(wrongMethod).get("message")).isEqualTo("use POST on this endpoint");
    assertThat(wrongMethod.headers().firstValue("Allow")).hasValue("POST");
  }

  @Test
  void the_method_is_checked_before_the_key() {
    // given
    fixture = new GatewayFixture(config -> config.clientKey(CLIENT_KEY).adminKey(ADMIN_KEY));
    // when
    HttpResponse<String> models = fixture.send(HttpRequest.newBuilder(fixture.uri("/v1/models"))
        .DELETE());
    HttpResponse<String> admin = fixture.send(HttpRequest.newBuilder(fixture.uri("/admin/health"))
        .POST(HttpRequest.BodyPublishers.noBody()));
    // then
    assertError(models, 405, "invalid_request_error", "method_not_allowed");
    assertError(admin, 405, "invalid_request_error", "method_not_allowed");
  }

  @Test
  void a_path_with_an_id_goes_to_the_most_specific_endpoint() {
    // given
    fixture = new GatewayFixture(config -> config.clientKey(CLIENT_KEY).adminKey(ADMIN_KEY));
    // when
    HttpResponse<String> entry = fixture.send(admin("/admin/deferred/def-unknown").GET());
    HttpResponse<String> replayWithGet = fixture.send(admin("/admin/deferred/def-unknown/replay").GET());
    HttpResponse<String> replay = fixture.send(admin("/admin/deferred/def-unknown/replay")
        .POST(HttpRequest.BodyPublishers.noBody()));
    // then
    assertError(entry, 404, "invalid_request_error", "deferred_not_found");
    assertThat(error(entry).get("message")).isEqualTo("no deferred request def-unknown");
    assertError(replayWithGet, 405, "invalid_request_error", "method_not_allowed");
    assertThat(replayWithGet.headers().firstValue("Allow")).hasValue("POST");
    assertError(replay, 404, "invalid_request_error", "deferred_not_found");
  }

  @Test
  void an_id_that_cannot_be_echoed_is_not() {
    // given
    fixture = new GatewayFixture(config -> config.clientKey(CLIENT_KEY).adminKey(ADMIN_KEY));
    // when
    HttpResponse<String> admin = fixture.send(admin("/admin/deferred/%3Cscript%3E").GET());
    HttpResponse<String> client = fixture.send(HttpRequest.newBuilder(fixture.uri("/v1/sheepdog/deferred/%3Cb%3E"))
        .header("Authorization", "Bearer " + CLIENT_KEY).GET());
    // then
    assertThat(error(assertError(admin, 404, "invalid_request_error", "deferred_not_found")).get("message"))
        .isEqualTo("no deferred request (invalid id)");
    assertThat(error(assertError(client, 404, "invalid_request_error", "deferred_not_found")).get("message"))
        .isEqualTo("no deferred request (invalid id) of this API key");
  }

  @Test
  void a_query_string_does_not_change_the_endpoint() {
    // given
    fixture = new GatewayFixture();
    // when
    HttpResponse<String> health = fixture.get("/health?verbose=1");
    // then
    assertThat(health.statusCode()).isEqualTo(200);
  }

  @Test
  void requests_are_counted_by_endpoint_a_path_with_an_id_by_its_pattern_and_the_rest_as_other() {
    // given
    fixture = new GatewayFixture(config -> config.adminKey(ADMIN_KEY));
    fixture.get("/health");
    fixture.get("/v1/nothing-here");
    fixture.send(admin("/admin/deferred/def-one").GET());
    fixture.send(admin("/admin/deferred/def-two").GET());
    // when
    String metrics = fixture.get("/metrics").body();
    // then
    assertThat(metrics)
        .contains("sheepdog_http_requests_total{endpoint=\"/health\",status=\"200\"} 1.0")
        .contains("sheepdog_http_requests_total{endpoint=\"other\",status=\"404\"} 1.0")
        .contains("sheepdog_http_requests_total{endpoint=\"/admin/deferred/{id}\",status=\"404\"} 2.0")
        .doesNotContain("def-one");
  }

  @Test
  void a_method_on_a_path_is_added_once() {
    // given
    Endpoints.Builder table = Endpoints.builder(new ApiKeys(Set.of(), null))
        .get("/health", Endpoints.Access.PUBLIC, exchange -> { });
    // when / then
    assertThatThrownBy(() -> table.get("/health", Endpoints.Access.ADMIN, exchange -> { }))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("GET /health is added twice");
  }

  @Test
  void a_path_holds_an_id_only_where_its_endpoint_takes_one() {
    // given
    Endpoints.Builder table = Endpoints.builder(new ApiKeys(Set.of(), null));
    // when / then
    assertThatThrownBy(() -> table.get("/admin/deferred/{id}", Endpoints.Access.ADMIN, exchange -> { }))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("/admin/deferred/{id}");
    assertThatThrownBy(() -> table.post("/admin/deferred", Endpoints.Access.ADMIN, (exchange, id) -> { }))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("/admin/deferred");
    assertThatThrownBy(() -> table.post("/a/{id}/b/{id}", Endpoints.Access.ADMIN, (exchange, id) -> { }))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("once");
  }

  private HttpRequest.Builder admin(String path) {
    return HttpRequest.newBuilder(fixture.uri(path)).header("Authorization", "Bearer " + ADMIN_KEY);
  }
}
