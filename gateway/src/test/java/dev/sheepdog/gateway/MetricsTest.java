package dev.sheepdog.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sheepdog.spi.RateLimits;
import java.net.http.HttpResponse;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import mockwebserver3.MockResponse;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

/** {@code /metrics} in Prometheus' text format after traffic. */
class MetricsTest {
  @AutoClose
  private GatewayFixture fixture;

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

  @Test
  void an_upstream_answer_without_usage_is_counted_and_priced_from_the_estimate() {
    // given an upstream that leaves usage out of its answer
    fixture = new GatewayFixture();
    String withoutUsage = Upstream.answer("nothing counted").replaceAll(",\\s*\"usage\":\\{[^}]*}", "");
    assertThat(withoutUsage).doesNotContain("\"usage\"");
    fixture.alpha.enqueue(Upstream.json(200, withoutUsage));
    // when
    HttpResponse<String> answer = fixture.chat("auto");
    HttpResponse<String> response = fixture.get("/metrics");
    // then the answer is priced (not $0) and the estimate is counted
    assertThat(answer.statusCode()).isEqualTo(200);
    assertThat(answer.headers().firstValue("X-Sheepdog-Cost-Usd")).hasValueSatisfying(
        cost -> assertThat(new java.math.BigDecimal(cost)).isPositive());
    assertThat(response.body()).contains("sheepdog_usage_estimated_total{model=\"model-a\"} 1.0")
        // the estimate is not counted as tokens the provider reported
        .contains("sheepdog_tokens_total{model=\"model-a\",type=\"prompt\"} 0.0");
  }

  @Test
  void metrics_hold_every_series_after_success_failover_stream_and_rate_limits() {
    // given limits on both models and clients with keys
    fixture = new GatewayFixture(config -> config.clientKey(CLIENT_KEY), RateLimits.of(600, 1_000_000));
    String client = ClientSpendTest.tagOf(CLIENT_KEY).substring("client:".length());
    // a success on model-a
    fixture.alpha.enqueue(Upstream.json(200, Upstream.answer("ok")));
    // a failover from model-a to model-b
    fixture.alpha.enqueue(Upstream.error(503, "overloaded"));
    fixture.beta.enqueue(Upstream.json(200, Upstream.answer("from b")));
    // a stream from model-a
    fixture.alpha.enqueue(Upstream.sse(Upstream.wholeStream("Hel", "lo")));
    // every model answers 429
    fixture.alpha.enqueue(new MockResponse.Builder(Upstream.error(429, "slow down")).setHeader("Retry-After", "1").build());
    fixture.beta.enqueue(new MockResponse.Builder(Upstream.error(429, "slow down")).setHeader("Retry-After", "1").build());
    // when
    int[] statuses = {
        send(false), send(false), send(true), send(false)};
    HttpResponse<String> response = fixture.get("/metrics");
    // then
    assertThat(statuses).containsExactly(200, 200, 200, 429);
    String body = response.body();
    assertThat(body)
        .contains("sheepdog_requests_total{model=\"model-a\",outcome=\"success\"} 2.0")
        .contains("sheepdog_requests_total{model=\"model-b\",outcome=\"success\"} 1.0")
        .contains("sheepdog_requests_total{model=\"none\",outcome=\"failed\"} 1.0")
        .contains("sheepdog_failures_total{kind=\"unavailable\",model=\"model-a\"} 1.0")
        .contains("sheepdog_failures_total{kind=\"rate_limited\",model=\"model-a\"} 1.0")
        .contains("sheepdog_failures_total{kind=\"rate_limited\",model=\"model-b\"} 1.0")
        .contains("sheepdog_stream_time_to_first_token_seconds_count{model=\"model-a\"} 1")
        .contains("sheepdog_stream_time_to_first_token_seconds_bucket{model=\"model-a\",le=\"")
        .contains("sheepdog_deferred_queued 0.0")
        .contains("sheepdog_client_cost_usd_total{client=\"" + client + "\"}")
        .contains("sheepdog_client_tokens_total{client=\"" + client + "\",type=\"prompt\"}")
        .contains("sheepdog_http_requests_total{endpoint=\"/v1/chat/completions\",status=\"200\"} 3.0")
        .contains("sheepdog_http_requests_total{endpoint=\"/v1/chat/completions\",status=\"429\"} 1.0")
        .contains("sheepdog_in_flight{model=\"model-b\"} 0.0")
        .doesNotContain(CLIENT_KEY, GatewayFixture.UPSTREAM_KEY_A, GatewayFixture.UPSTREAM_KEY_B, "req-");
    // three calls reached model-a: of its 600 a minute, fewer remain (the burst refills slowly)
    assertThat(value(body, "sheepdog_ratelimit_requests_remaining{model=\"model-a\"}")).isBetween(0.0, 597.0);
    assertThat(value(body, "sheepdog_ratelimit_requests_remaining{model=\"model-b\"}")).isBetween(0.0, 598.0);
    assertThat(value(body, "sheepdog_ratelimit_tokens_remaining{model=\"model-a\"}")).isBetween(1.0, 1_000_000.0);
  }

  @Test
  void repeated_events_add_to_one_series_and_a_series_appears_only_once_its_event_happened() {
    // given two failovers from model-a to model-b, then a success on model-a
    fixture = new GatewayFixture();
    fixture.alpha.enqueue(Upstream.error(503, "overloaded"));
    fixture.beta.enqueue(Upstream.json(200, Upstream.answer("from b")));
    fixture.alpha.enqueue(Upstream.error(503, "overloaded"));
    fixture.beta.enqueue(Upstream.json(200, Upstream.answer("from b")));
    fixture.chat("auto");
    fixture.chat("auto");
    String afterFailovers = fixture.get("/metrics").body();
    fixture.alpha.enqueue(Upstream.json(200, Upstream.answer("from a")));
    // when
    fixture.chat("auto");
    String body = fixture.get("/metrics").body();
    // then the meters kept between events count every event once
    assertThat(afterFailovers)
        .contains("sheepdog_attempts_total{model=\"model-a\",outcome=\"unavailable\"} 2.0")
        .contains("sheepdog_failures_total{kind=\"unavailable\",model=\"model-a\"} 2.0")
        .contains("sheepdog_requests_total{model=\"model-b\",outcome=\"success\"} 2.0")
        .doesNotContain("sheepdog_attempts_total{model=\"model-a\",outcome=\"success\"}")
        .doesNotContain("sheepdog_requests_total{model=\"model-a\"")
        .doesNotContain("outcome=\"rate_limited\"", "outcome=\"failed\"");
    assertThat(body)
        .contains("sheepdog_attempts_total{model=\"model-a\",outcome=\"success\"} 1.0")
        .contains("sheepdog_attempts_total{model=\"model-a\",outcome=\"unavailable\"} 2.0")
        .contains("sheepdog_requests_total{model=\"model-a\",outcome=\"success\"} 1.0")
        .contains("sheepdog_requests_total{model=\"model-b\",outcome=\"success\"} 2.0")
        .contains("sheepdog_request_latency_seconds_count 3")
        .contains("sheepdog_http_requests_total{endpoint=\"/v1/chat/completions\",status=\"200\"} 3.0")
        .contains("sheepdog_http_requests_total{endpoint=\"/metrics\",status=\"200\"} 1.0");
  }

  @Test
  void models_without_limits_have_no_headroom_series() {
    // given
    fixture = new GatewayFixture();
    // when
    String body = fixture.get("/metrics").body();
    // then
    assertThat(body).doesNotContain("sheepdog_ratelimit_").contains("sheepdog_deferred_queued 0.0");
  }

  private static final String CLIENT_KEY = "gw-metrics-client-key-1";

  private int send(boolean stream) {
    return fixture.send(fixture.post(GatewayFixture.chatBody("auto", stream)).header("Authorization",
        "Bearer " + CLIENT_KEY)).statusCode();
  }

  private static double value(String scrape, String series) {
    Matcher matcher = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(scrape);
    assertThat(matcher.find()).as(series + " in\n" + scrape).isTrue();
    return Double.parseDouble(matcher.group(1));
  }
}
