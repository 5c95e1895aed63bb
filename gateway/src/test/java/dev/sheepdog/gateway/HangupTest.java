package dev.sheepdog.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import mockwebserver3.MockResponse;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

/**
 * A client that hangs up while its request waits on an upstream stops that upstream call, streamed
 * or not; a client that keeps its connection, or pipelines, is served as before.
 */
class HangupTest {
  @AutoClose
  private GatewayFixture fixture;

  @Test
  void a_client_hanging_up_on_a_json_request_cancels_the_upstream_call() throws Exception {
    try (LogCapture logs = new LogCapture()) {
      // given: an upstream that answers after ten seconds
      fixture = new GatewayFixture();
      fixture.alpha.enqueue(new MockResponse.Builder(Upstream.json(200, Upstream.answer("late")))
          .headersDelay(10, TimeUnit.SECONDS).build());
      RawHttp client = new RawHttp(fixture.gateway.uri()).send(request("hangup-json", false));
      fixture.alpha.take();
      // when
      long hungUp = System.nanoTime();
      client.close();
      // then
      awaitTrue(() -> !fixture.alpha.cancelled.isEmpty(), "the upstream call is cancelled");
      assertThat(Duration.ofNanos(System.nanoTime() - hungUp)).isLessThan(Duration.ofSeconds(5));
      assertThat(logs.await(line -> line.contains("hangup-json") && line.contains("status=499"), 1)).hasSize(1);
    }
  }

  @Test
  void a_client_hanging_up_before_a_stream_starts_cancels_the_upstream_call() throws Exception {
    // given: an upstream whose stream starts after ten seconds
    fixture = new GatewayFixture();
    fixture.alpha.enqueue(new MockResponse.Builder(Upstream.sse(Upstream.wholeStream("late")))
        .headersDelay(10, TimeUnit.SECONDS).build());
    RawHttp client = new RawHttp(fixture.gateway.uri()).send(request("hangup-stream", true));
    fixture.alpha.take();
    // when
    client.close();
    // then
    awaitTrue(() -> !fixture.alpha.cancelled.isEmpty(), "the upstream stream is cancelled");
  }

  @Test
  void requests_in_turn_on_one_kept_alive_connection_are_all_answered() {
    // given
    fixture = new GatewayFixture();
    for (int i = 0; i < 5; i++) {
      fixture.alpha.enqueue(Upstream.json(200, Upstream.answer("turn " + i)));
    }
    try (RawHttp connection = new RawHttp(fixture.gateway.uri())) {
      for (int i = 0; i < 5; i++) {
        // when
        RawHttp.Response response = connection.send(keptAlive("turn-" + i)).read(10_000);
        // then
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        assertThat(response.body()).contains("turn " + i);
      }
    }
  }

  @Test
  void pipelined_requests_are_answered_in_order() {
    // given: the second request arrives while the first waits on its upstream
    fixture = new GatewayFixture();
    fixture.alpha.enqueue(new MockResponse.Builder(Upstream.json(200, Upstream.answer("first")))
        .headersDelay(300, TimeUnit.MILLISECONDS).build());
    fixture.alpha.enqueue(Upstream.json(200, Upstream.answer("second")));
    try (RawHttp connection = new RawHttp(fixture.gateway.uri())) {
      // when
      connection.send(keptAlive("pipe-1") + keptAlive("pipe-2"));
      RawHttp.Response first = connection.read(10_000);
      RawHttp.Response second = connection.read(10_000);
      // then
      assertThat(List.of(first.status(), second.status())).containsExactly(200, 200);
      assertThat(first.body()).contains("first");
      assertThat(second.body()).contains("second");
    }
  }

  @Test
  void a_client_that_closes_as_soon_as_it_has_its_answer_is_logged_with_the_status_it_got() throws Exception {
    // given: clients that read the whole answer and close at once, racing the completion of the last write
    fixture = new GatewayFixture();
    int requests = 200;
    for (int i = 0; i < requests; i++) {
      fixture.alpha.enqueue(Upstream.json(200, Upstream.answer("quick " + i)));
    }
    try (LogCapture logs = new LogCapture()) {
      for (int i = 0; i < requests; i++) {
        // when
        RawHttp client = new RawHttp(fixture.gateway.uri()).send(keptAlive("quick-" + i));
        RawHttp.Response response = client.read(10_000);
        client.close();
        assertThat(response.status()).isEqualTo(200);
      }
      // then: every line says 200, none the 499 of a hang-up
      List<String> lines = logs.await(line -> line.contains("quick-") && line.contains("status="), requests);
      assertThat(lines).hasSize(requests).allSatisfy(line -> assertThat(line).contains("status=200"));
    }
  }

  private String request(String id, boolean stream) {
    return RawHttp.request("POST", "/v1/chat/completions", "127.0.0.1:" + fixture.gateway.port(),
        Map.of("Content-Type", "application/json", "X-Request-Id", id), GatewayFixture.chatBody("auto", stream));
  }

  private String keptAlive(String id) {
    String body = GatewayFixture.chatBody("auto", false);
    return "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:" + fixture.gateway.port()
        + "\r\nContent-Type: application/json\r\nX-Request-Id: " + id + "\r\nContent-Length: "
        + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body;
  }

  private static void awaitTrue(BooleanSupplier condition, String what) {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as(what).isLessThan(deadline);
      Thread.onSpinWait();
    }
  }
}
