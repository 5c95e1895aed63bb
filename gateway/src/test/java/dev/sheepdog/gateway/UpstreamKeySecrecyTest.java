package dev.sheepdog.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import mockwebserver3.MockResponse;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

/**
 * Upstream keys stay secret even from upstreams that echo them: nothing the gateway answers,
 * exports or logs holds one, through failovers, rejections, broken streams, 401s and deferrals.
 */
class UpstreamKeySecrecyTest {
  private static final String CLIENT_KEY = "gw-client-key-1";
  private static final String ADMIN_KEY = "gw-admin-key-1";

  @AutoClose
  private GatewayFixture fixture;
  private final List<HttpResponse<String>> responses = new ArrayList<>();

  @Test
  void no_upstream_key_appears_in_responses_metrics_admin_json_or_logs() throws Exception {
    try (LogCapture logs = new LogCapture()) {
      // given upstreams whose error bodies echo the Authorization header they were sent
      fixture = new GatewayFixture(config -> config.clientKey(CLIENT_KEY).adminKey(ADMIN_KEY));
      // a 500 on model-a, then model-b answers
      fixture.alpha.enqueue(echo(500, GatewayFixture.UPSTREAM_KEY_A));
      fixture.beta.enqueue(Upstream.json(200, Upstream.answer("fine")));
      // a stream both models refuse with 500s before the first chunk
      fixture.alpha.enqueue(echo(500, GatewayFixture.UPSTREAM_KEY_A));
      fixture.beta.enqueue(echo(500, GatewayFixture.UPSTREAM_KEY_B));
      // a request model-b rejects, its message quoted to the client
      fixture.beta.enqueue(echo(400, GatewayFixture.UPSTREAM_KEY_B));
      // a stream that breaks after its first chunk
      fixture.alpha.enqueue(Upstream.sse(Upstream.events(List.of(Upstream.chunk("Hel", null)))));
      // a 401 that isolates model-a, then model-b answers a stream
      fixture.alpha.enqueue(echo(401, GatewayFixture.UPSTREAM_KEY_A));
      fixture.beta.enqueue(Upstream.sse(Upstream.wholeStream("ok")));
      // model-b fails again and the request is deferred with the upstream's reason
      fixture.beta.enqueue(echo(500, GatewayFixture.UPSTREAM_KEY_B));
      // when
      send("auto", false, false);
      send("auto", true, false);
      send("model-b", false, false);
      send("auto", true, false);
      send("auto", true, false);
      HttpResponse<String> deferred = send("auto", false, true);
      String deferredId = deferred.headers().firstValue("X-Sheepdog-Deferred-Id").orElseThrow();
      fixture.beta.enqueue(echo(500, GatewayFixture.UPSTREAM_KEY_B));
      responses.add(fixture.send(admin("/admin/deferred/" + deferredId + "/replay").POST(
          HttpRequest.BodyPublishers.noBody())));
      responses.add(fixture.get("/metrics"));
      responses.add(fixture.send(admin("/admin/health").GET()));
      responses.add(fixture.send(admin("/admin/deferred").GET()));
      responses.add(fixture.send(admin("/admin/deferred/" + deferredId).GET()));
      logs.await(line -> line.contains("dev.sheepdog.gateway.access"), responses.size());
      // then the upstreams did see the keys, so the echoes held them
      assertThat(fixture.alpha.take().getHeaders().get("Authorization")).contains(GatewayFixture.UPSTREAM_KEY_A);
      assertThat(fixture.beta.take().getHeaders().get("Authorization")).contains(GatewayFixture.UPSTREAM_KEY_B);
      assertThat(responses).extracting(HttpResponse::statusCode).containsExactly(200, 503, 400, 200, 200, 503, 200,
          200, 200, 200, 200);
      assertThat(responses.get(2).body()).contains("[redacted]");
      StringBuilder everything = new StringBuilder(logs.text());
      for (HttpResponse<String> response : responses) {
        everything.append(response.headers().map()).append(response.body());
      }
      assertThat(everything.toString()).contains("model-b")
          .doesNotContain(GatewayFixture.UPSTREAM_KEY_A, GatewayFixture.UPSTREAM_KEY_B, "UPSTREAM-SECRET");
    }
  }

  private HttpResponse<String> send(String model, boolean stream, boolean defer) {
    HttpRequest.Builder request = fixture.post(GatewayFixture.chatBody(model, stream))
        .header("Authorization", "Bearer " + CLIENT_KEY);
    if (defer) {
      request.header("X-Sheepdog-Allow-Defer", "true");
    }
    HttpResponse<String> response = fixture.send(request);
    responses.add(response);
    return response;
  }

  private HttpRequest.Builder admin(String path) {
    return HttpRequest.newBuilder(fixture.uri(path)).header("Authorization", "Bearer " + ADMIN_KEY);
  }

  /** An OpenAI-style error whose message quotes the credential, as some upstreams do. */
  private static MockResponse echo(int code, String key) {
    return Upstream.json(code, "{\"error\":{\"message\":\"Request with Authorization: Bearer " + key
        + " failed (key " + key + ")\",\"type\":\"invalid_request_error\",\"param\":null,\"code\":null}}");
  }
}
