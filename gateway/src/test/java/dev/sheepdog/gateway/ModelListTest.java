package dev.sheepdog.gateway;

import static dev.sheepdog.gateway.ChatCompletionsTest.json;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

/** {@code GET /v1/models}: the catalog's models and the route aliases a client may name. */
class ModelListTest {
  @AutoClose
  private GatewayFixture fixture;

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
    Map<?, ?> first = (Map<?, ?>) ((List<?>) json.get("data")).get(0);
    assertThat(first.get("object")).isEqualTo("model");
    assertThat(first.get("owned_by")).isEqualTo("alpha");
  }
}
