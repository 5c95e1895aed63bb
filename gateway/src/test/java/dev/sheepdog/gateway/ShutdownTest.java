package dev.sheepdog.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
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
}
