package dev.sheepdog.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

/** Closing the gateway drains the requests in flight. */
class ShutdownTest {
  @AutoClose
  private GatewayFixture fixture;

  @Test
  void a_request_in_flight_finishes_when_the_gateway_closes() throws Exception {
    // given
    fixture = new GatewayFixture();
    fixture.alpha.enqueue(new MockResponse.Builder(Upstream.json(200, Upstream.answer("just in time")))
        .headersDelay(500, TimeUnit.MILLISECONDS).build());
    CompletableFuture<HttpResponse<String>> inFlight = fixture.http.sendAsync(
        fixture.post(GatewayFixture.chatBody("auto", false)).build(), HttpResponse.BodyHandlers.ofString());
    fixture.alpha.take();
    // when
    fixture.gateway.close();
    // then
    HttpResponse<String> response = inFlight.get(10, TimeUnit.SECONDS);
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).contains("just in time");
  }

  @Test
  void close_takes_at_most_the_drain_timeout_and_answers_what_is_still_in_flight_with_503() throws Exception {
    // given: a drain of one second and an upstream that answers after ten
    fixture = new GatewayFixture(config -> config.drainTimeout(Duration.ofSeconds(1)));
    fixture.alpha.enqueue(new MockResponse.Builder(Upstream.json(200, Upstream.answer("too late")))
        .headersDelay(10, TimeUnit.SECONDS).build());
    CompletableFuture<HttpResponse<String>> inFlight = fixture.http.sendAsync(
        fixture.post(GatewayFixture.chatBody("auto", false)).build(), HttpResponse.BodyHandlers.ofString());
    fixture.alpha.take();
    // when
    long start = System.nanoTime();
    fixture.gateway.close();
    Duration took = Duration.ofNanos(System.nanoTime() - start);
    // then
    assertThat(took).isLessThan(Duration.ofMillis(1_500));
    HttpResponse<String> response = inFlight.get(5, TimeUnit.SECONDS);
    ErrorResponsesTest.assertError(response, 503, "server_error", "shutting_down");
    assertThat(response.headers().firstValue("Retry-After")).isPresent();
    assertThat(response.headers().firstValue("X-Request-Id")).isPresent();
  }

  @Test
  void a_stream_cut_by_the_drain_ends_with_an_error_event_and_no_done() throws Exception {
    // given: a stream whose first chunk has arrived and whose rest is ten seconds away
    fixture = new GatewayFixture(config -> config.drainTimeout(Duration.ofMillis(500)));
    String stream = Upstream.wholeStream("one", "two");
    fixture.alpha.enqueue(new MockResponse.Builder(Upstream.sse(stream))
        .throttleBody(stream.indexOf("\n\n") + 2, 10, TimeUnit.SECONDS).build());
    HttpResponse<java.io.InputStream> response = fixture.http.send(
        fixture.post(GatewayFixture.chatBody("auto", true)).build(), HttpResponse.BodyHandlers.ofInputStream());
    java.io.InputStream body = response.body();
    assertThat(body.read()).isNotNegative();
    // when
    fixture.gateway.close();
    // then
    String rest = new String(body.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    assertThat(rest).contains("\"code\":\"shutting_down\"").doesNotContain("[DONE]");
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (fixture.alpha.cancelled.isEmpty() && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
    assertThat(fixture.alpha.cancelled).as("the upstream stream is cancelled").isNotEmpty();
  }

  @Test
  void a_request_arriving_while_draining_is_answered_503_with_retry_after() throws Exception {
    // given: a request in flight holds the drain open
    fixture = new GatewayFixture(config -> config.drainTimeout(Duration.ofSeconds(5)));
    fixture.alpha.enqueue(new MockResponse.Builder(Upstream.json(200, Upstream.answer("in time")))
        .headersDelay(1, TimeUnit.SECONDS).build());
    CompletableFuture<HttpResponse<String>> inFlight = fixture.http.sendAsync(
        fixture.post(GatewayFixture.chatBody("auto", false)).build(), HttpResponse.BodyHandlers.ofString());
    fixture.alpha.take();
    CompletableFuture<Void> closing = CompletableFuture.runAsync(fixture.gateway::close);
    // when
    HttpResponse<String> late = null;
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (System.nanoTime() < deadline && (late == null || late.statusCode() != 503)) {
      late = fixture.send(HttpRequest.newBuilder(fixture.uri("/health")).GET());
    }
    // then
    ErrorResponsesTest.assertError(late, 503, "server_error", "shutting_down");
    assertThat(late.headers().firstValue("Retry-After")).hasValue("1");
    assertThat(inFlight.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    closing.get(10, TimeUnit.SECONDS);
  }
}
