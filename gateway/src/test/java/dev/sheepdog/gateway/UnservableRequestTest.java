package dev.sheepdog.gateway;

import static dev.sheepdog.gateway.ErrorResponsesTest.assertError;
import static dev.sheepdog.gateway.ErrorResponsesTest.error;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sheepdog.spi.RateLimits;
import java.net.http.HttpResponse;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

/**
 * Requests no model could ever serve are the client's to change: a 400 naming the limit, never a
 * retryable 503, never parked in the deferred queue; and one client cannot fill that queue.
 */
class UnservableRequestTest {
  private static final String CLIENT_KEY = "sk-gateway-client-unservable-1";

  @AutoClose
  private GatewayFixture fixture;

  @Test
  void a_cost_cap_below_every_model_is_a_400_and_nothing_is_tried_or_deferred() {
    // given
    fixture = new GatewayFixture();
    // when
    HttpResponse<String> response = fixture.send(fixture.post(GatewayFixture.chatBody("auto", false))
        .header("X-Sheepdog-Max-Cost-Usd", "0.000000001").header("X-Sheepdog-Allow-Defer", "true"));
    // then
    assertError(response, 400, "invalid_request_error", "max_cost_exceeded");
    assertThat(error(response).get("param")).isEqualTo("X-Sheepdog-Max-Cost-Usd");
    assertThat(response.headers().firstValue("Retry-After")).isEmpty();
    assertThat(response.headers().firstValue("X-Sheepdog-Deferred-Id")).isEmpty();
    assertThat(fixture.deferred.entries()).isEmpty();
    assertThat(fixture.alpha.server.getRequestCount() + fixture.beta.server.getRequestCount()).isZero();
  }

  @Test
  void a_prompt_longer_than_every_context_window_is_context_length_exceeded() {
    // given: the models' windows are 128,000 tokens; about four characters a token
    fixture = new GatewayFixture();
    String body = GatewayFixture.chatBody("auto", false).replace("Hi", "x".repeat(600_000));
    // when
    HttpResponse<String> response = fixture.send(fixture.post(body).header("X-Sheepdog-Allow-Defer", "true"));
    // then
    assertError(response, 400, "invalid_request_error", "context_length_exceeded");
    assertThat(error(response).get("message")).asString().contains("128000");
    assertThat(fixture.deferred.entries()).isEmpty();
    assertThat(fixture.alpha.server.getRequestCount() + fixture.beta.server.getRequestCount()).isZero();
  }

  @Test
  void n_choices_count_in_the_cost_estimate() {
    // given: 1,000 output tokens at $2 per 1M cost $0.002 per choice on model-a
    fixture = new GatewayFixture();
    String one = "{\"model\":\"model-a\",\"max_tokens\":1000,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";
    String five = one.replace("\"max_tokens\":1000", "\"max_tokens\":1000,\"n\":5");
    fixture.alpha.enqueue(Upstream.json(200, Upstream.answer("one")));
    // when
    HttpResponse<String> single = fixture.send(fixture.post(one).header("X-Sheepdog-Max-Cost-Usd", "0.005"));
    HttpResponse<String> several = fixture.send(fixture.post(five).header("X-Sheepdog-Max-Cost-Usd", "0.005"));
    // then
    assertThat(single.statusCode()).as(single.body()).isEqualTo(200);
    assertError(several, 400, "invalid_request_error", "max_cost_exceeded");
    assertThat(fixture.alpha.server.getRequestCount()).isEqualTo(1);
  }

  @Test
  void one_client_can_park_only_its_quota_of_deferred_requests() {
    // given: every upstream fails; each client key may have 2 requests waiting
    UnaryOperator<GatewaySettings.Builder> keyed = config -> config.clientKey(CLIENT_KEY);
    fixture = new GatewayFixture(keyed, RateLimits.UNLIMITED, 2);
    for (int i = 0; i < 6; i++) {
      fixture.alpha.enqueue(Upstream.error(500, "down"));
      fixture.beta.enqueue(Upstream.error(500, "down"));
    }
    // when
    HttpResponse<String> first = deferrable();
    HttpResponse<String> second = deferrable();
    HttpResponse<String> third = deferrable();
    // then
    assertThat(first.headers().firstValue("X-Sheepdog-Deferred-Id")).isPresent();
    assertThat(second.headers().firstValue("X-Sheepdog-Deferred-Id")).isPresent();
    assertError(third, 503, "server_error", "all_models_failed");
    assertThat(third.headers().firstValue("X-Sheepdog-Deferred-Id")).isEmpty();
    assertThat(error(third).get("message")).asString().doesNotContain("deferred as");
    assertThat(fixture.deferred.queued()).isEqualTo(2);
  }

  private HttpResponse<String> deferrable() {
    return fixture.send(fixture.post(GatewayFixture.chatBody("auto", false))
        .header("Authorization", "Bearer " + CLIENT_KEY).header("X-Sheepdog-Allow-Defer", "true"));
  }
}
