package dev.sheepdog.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@code /metrics} in Prometheus' text format after traffic. */
class MetricsTest {
  private GatewayFixture fixture;

  @AfterEach
  void close() {
    if (fixture != null) {
      fixture.close();
    }
  }

  @Test
  void metrics_show_requests_attempts_tokens_cost_and_circuits_after_a_failover() {
    // given
    fixture = new GatewayFixture();
    fixture.alpha.enqueue(Upstream.error(503, "overloaded"));
    fixture.beta.enqueue(Upstream.json(200, Upstream.answer("from b")));
    fixture.chat("auto");
    // when
    HttpResponse<String> response = fixture.get("/metrics");
    // then
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
        type -> assertThat(type).startsWith("text/plain"));
    assertThat(response.body())
        .contains("sheepdog_requests_total{model=\"model-b\",outcome=\"success\"} 1.0")
        .contains("sheepdog_attempts_total{model=\"model-a\",outcome=\"unavailable\"} 1.0")
        .contains("sheepdog_attempts_total{model=\"model-b\",outcome=\"success\"} 1.0")
        .contains("sheepdog_tokens_total{model=\"model-b\",type=\"completion\"} 5.0")
        .contains("sheepdog_cost_usd_total{model=\"model-b\"}")
        .contains("sheepdog_circuit_state{model=\"model-a\"}")
        .contains("sheepdog_request_latency_seconds_bucket")
        .contains("sheepdog_http_requests_total{endpoint=\"/v1/chat/completions\",status=\"200\"} 1.0")
        .doesNotContain(GatewayFixture.UPSTREAM_KEY_A, GatewayFixture.UPSTREAM_KEY_B, "req-");
  }
}
