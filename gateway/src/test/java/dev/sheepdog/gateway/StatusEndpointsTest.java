package dev.sheepdog.gateway;

import static dev.sheepdog.gateway.ChatCompletionsTest.json;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

/** Liveness, readiness and the metrics scrape: open to all, even when client keys are configured. */
class StatusEndpointsTest {
  private static final String CLIENT_KEY = "gw-client-key-1";

  @AutoClose
  private GatewayFixture fixture;

  @Test
  void health_readiness_and_metrics_answer_without_a_key() {
    // given
    fixture = new GatewayFixture(config -> config.clientKey(CLIENT_KEY));
    // when
    HttpResponse<String> health = fixture.get("/health");
    HttpResponse<String> ready = fixture.get("/ready");
    HttpResponse<String> metrics = fixture.get("/metrics");
    // then
    assertThat(health.statusCode()).isEqualTo(200);
    assertThat(json(health.body()).get("status")).isEqualTo("ok");
    assertThat(ready.statusCode()).isEqualTo(200);
    assertThat(json(ready.body()).get("status")).isEqualTo("ready");
    assertThat(metrics.statusCode()).isEqualTo(200);
    assertThat(metrics.headers().firstValue("Content-Type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
  }

  @Test
  void readiness_is_a_503_while_no_model_is_admissible() {
    // given: both providers refuse their key, which opens both circuits
    fixture = new GatewayFixture();
    fixture.alpha.enqueue(Upstream.error(401, "bad key"));
    fixture.beta.enqueue(Upstream.error(401, "bad key"));
    fixture.chat("auto");
    // when
    HttpResponse<String> ready = fixture.get("/ready");
    HttpResponse<String> health = fixture.get("/health");
    // then
    assertThat(ready.statusCode()).isEqualTo(503);
    assertThat(json(ready.body()).get("status")).isEqualTo("no model is admissible");
    assertThat(health.statusCode()).isEqualTo(200);
  }
}
