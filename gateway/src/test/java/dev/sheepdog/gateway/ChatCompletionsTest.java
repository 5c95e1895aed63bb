package dev.sheepdog.gateway;

import dev.sheepdog.wire.openai.WireJson;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

/** Non-streaming completions through real HTTP on both sides. */
class ChatCompletionsTest {
  @AutoClose
  private GatewayFixture fixture;

  @Test
  void a_failing_first_model_is_answered_by_the_second_in_openai_shape() throws Exception {
    // given
    fixture = new GatewayFixture();
    fixture.alpha.enqueue(Upstream.error(503, "overloaded"));
    fixture.beta.enqueue(Upstream.json(200, Upstream.answer("from b")));
    // when
    HttpResponse<String> response = fixture.send(fixture.post(GatewayFixture.chatBody("auto", false))
        .header("X-Request-Id", "client-id-42"));
    // then
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
        type -> assertThat(type).startsWith("application/json"));
    assertThat(response.headers().firstValue("X-Sheepdog-Model")).hasValue("model-b");
    assertThat(response.headers().firstValue("X-Sheepdog-Attempts")).hasValue("2");
    // 10 prompt tokens at $3/M plus 5 completion tokens at $4/M
    assertThat(response.headers().firstValue("X-Sheepdog-Cost-Usd")).hasValue("0.000050");
    assertThat(response.headers().firstValue("X-Request-Id")).hasValue("client-id-42");
    Map<?, ?> json = json(response.body());
    assertThat(json.get("model")).isEqualTo("model-b");
    assertThat(json.get("object")).isEqualTo("chat.completion");
    assertThat(json.get("system_fingerprint")).isEqualTo("fp_up");
    Map<?, ?> choice = (Map<?, ?>) ((List<?>) json.get("choices")).get(0);
    assertThat(((Map<?, ?>) choice.get("message")).get("content")).isEqualTo("from b");
    assertThat(choice.get("finish_reason")).isEqualTo("stop");
    assertThat(((Map<?, ?>) json.get("usage")).get("total_tokens")).isEqualTo(15L);
    assertThat(upstreamModel(fixture.alpha.take())).isEqualTo("upstream-a");
    assertThat(upstreamModel(fixture.beta.take())).isEqualTo("upstream-b");
  }

  @Test
  void a_request_without_an_id_gets_one() {
    // given
    fixture = new GatewayFixture();
    fixture.alpha.enqueue(Upstream.json(200, Upstream.answer("hi")));
    // when
    HttpResponse<String> response = fixture.chat("auto");
    // then
    assertThat(response.headers().firstValue("X-Request-Id")).hasValueSatisfying(
        id -> assertThat(id).startsWith("req-"));
  }

  @Test
  void members_the_router_does_not_interpret_reach_the_upstream_unchanged() throws Exception {
    // given
    fixture = new GatewayFixture();
    fixture.alpha.enqueue(Upstream.json(200, Upstream.answer("ok")));
    String body = "{\"model\":\"auto\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\",\"name\":\"ann\"}],"
        + "\"seed\":42,\"stop\":[\"END\"],\"user\":\"u-1\","
        + "\"response_format\":{\"type\":\"json_object\"},\"temperature\":0.2}";
    // when
    HttpResponse<String> response = fixture.send(fixture.post(body));
    // then
    assertThat(response.statusCode()).isEqualTo(200);
    Map<?, ?> sent = json(fixture.alpha.take().getBody().utf8());
    assertThat(sent.get("seed")).isEqualTo(42L);
    assertThat(sent.get("stop")).isEqualTo(List.of("END"));
    assertThat(sent.get("user")).isEqualTo("u-1");
    assertThat(sent.get("response_format")).isEqualTo(Map.of("type", "json_object"));
    assertThat(sent.get("temperature")).isEqualTo(0.2);
    assertThat(((Map<?, ?>) ((List<?>) sent.get("messages")).get(0)).get("name")).isEqualTo("ann");
  }

  @Test
  void a_pinned_model_is_tried_first_then_its_configured_fallbacks() throws Exception {
    // given
    fixture = new GatewayFixture(config -> config.fallbacks("model-b", "model-a"));
    fixture.beta.enqueue(Upstream.error(500, "boom"));
    fixture.alpha.enqueue(Upstream.json(200, Upstream.answer("from a")));
    // when
    HttpResponse<String> response = fixture.chat("model-b");
    // then
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("X-Sheepdog-Model")).hasValue("model-a");
    assertThat(response.headers().firstValue("X-Sheepdog-Attempts")).hasValue("2");
    assertThat(fixture.beta.server.getRequestCount()).isEqualTo(1);
    assertThat(fixture.alpha.server.getRequestCount()).isEqualTo(1);
  }

  @Test
  void a_pinned_model_without_fallbacks_is_the_only_one_tried() {
    // given
    fixture = new GatewayFixture();
    fixture.beta.enqueue(Upstream.error(500, "boom"));
    // when
    HttpResponse<String> response = fixture.chat("model-b");
    // then
    assertThat(response.statusCode()).isEqualTo(503);
    assertThat(fixture.alpha.server.getRequestCount()).isZero();
  }

  @Test
  void a_route_alias_plans_with_that_task_and_priority() {
    // given
    fixture = new GatewayFixture();
    fixture.beta.enqueue(Upstream.json(200, Upstream.answer("from b")));
    // when
    HttpResponse<String> response = fixture.chat("code_generation:high");
    // then
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("X-Sheepdog-Model")).hasValue("model-b");
    assertThat(fixture.alpha.server.getRequestCount()).isZero();
  }

  @Test
  void a_route_alias_without_a_priority_uses_normal() {
    // given
    fixture = new GatewayFixture();
    fixture.alpha.enqueue(Upstream.json(200, Upstream.answer("from a")));
    // when
    HttpResponse<String> response = fixture.chat("code_generation");
    // then
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("X-Sheepdog-Model")).hasValue("model-a");
    assertThat(fixture.beta.server.getRequestCount()).isZero();
  }

  @Test
  void hint_headers_override_the_alias() {
    // given
    fixture = new GatewayFixture();
    fixture.beta.enqueue(Upstream.json(200, Upstream.answer("from b")));
    // when
    HttpResponse<String> response = fixture.send(fixture.post(GatewayFixture.chatBody("auto", false))
        .header("X-Sheepdog-Task", "code_generation")
        .header("X-Sheepdog-Priority", "high"));
    // then
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("X-Sheepdog-Model")).hasValue("model-b");
  }

  private static String upstreamModel(RecordedRequest request) {
    return (String) json(request.getBody().utf8()).get("model");
  }

  static Map<?, ?> json(String body) {
    return (Map<?, ?>) WireJson.parseStrict(body.getBytes(StandardCharsets.UTF_8));
  }
}
