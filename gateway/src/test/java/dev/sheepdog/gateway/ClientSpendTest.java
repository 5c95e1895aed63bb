package dev.sheepdog.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

/** Spend per client key: attributed by the key's hash in the ledger and the metrics, the key itself nowhere. */
class ClientSpendTest {
  private static final String KEY_ONE = "gw-client-ONE-key-7c1e";
  private static final String KEY_TWO = "gw-client-TWO-key-93ab";
  private static final String ADMIN_KEY = "gw-admin-key-1";

  @AutoClose
  private GatewayFixture fixture;

  @Test
  void two_clients_spend_is_attributed_separately_by_key_hash_and_the_keys_appear_nowhere() {
    try (LogCapture logs = new LogCapture()) {
      // given: client one makes two requests on model-a, client two one (streamed) on model-b
      fixture = new GatewayFixture(config -> config.clientKey(KEY_ONE).clientKey(KEY_TWO).adminKey(ADMIN_KEY));
      fixture.alpha.enqueue(Upstream.json(200, Upstream.answer("one")));
      fixture.alpha.enqueue(Upstream.json(200, Upstream.answer("two")));
      fixture.beta.enqueue(Upstream.sse(Upstream.events(java.util.List.of(Upstream.chunk("x", "stop"),
          "{\"id\":\"u\",\"object\":\"chat.completion.chunk\",\"model\":\"m\",\"choices\":[],"
              + "\"usage\":{\"prompt_tokens\":100,\"completion_tokens\":50,\"total_tokens\":150}}", "[DONE]"))));
      String one = tagOf(KEY_ONE);
      String two = tagOf(KEY_TWO);
      // when
      var first = fixture.send(fixture.post(GatewayFixture.chatBody("model-a", false)).header("Authorization",
          "Bearer " + KEY_ONE));
      var second = fixture.send(fixture.post(GatewayFixture.chatBody("model-a", false)).header("Authorization",
          "Bearer " + KEY_ONE));
      var third = fixture.send(fixture.post(GatewayFixture.chatBody("model-b", true)).header("Authorization",
          "Bearer " + KEY_TWO));
      logs.await(line -> line.contains("dev.sheepdog.gateway.access"), 3);
      String metrics = fixture.get("/metrics").body();
      String health = fixture.send(HttpRequest.newBuilder(fixture.uri("/admin/health")).GET()
          .header("Authorization", "Bearer " + ADMIN_KEY)).body();
      String deferred = fixture.send(HttpRequest.newBuilder(fixture.uri("/admin/deferred")).GET()
          .header("Authorization", "Bearer " + ADMIN_KEY)).body();
      // then: model-a at $1/$2 per M for 10 + 5 tokens is $0.00002, twice; model-b at $3/$4 for 100 + 50 is $0.0005
      assertThat(fixture.router.ledger().totalForTag(one).toUsdString()).isEqualTo("0.000040");
      assertThat(fixture.router.ledger().totalForTag(two).toUsdString()).isEqualTo("0.000500");
      String hashOne = one.substring("client:".length());
      String hashTwo = two.substring("client:".length());
      assertThat(metrics)
          .contains("sheepdog_client_cost_usd_total{client=\"" + hashOne + "\"} 4.0E-5")
          .contains("sheepdog_client_cost_usd_total{client=\"" + hashTwo + "\"} 5.0E-4")
          .contains("sheepdog_client_tokens_total{client=\"" + hashOne + "\",type=\"prompt\"} 20.0")
          .contains("sheepdog_client_tokens_total{client=\"" + hashTwo + "\",type=\"completion\"} 50.0");
      String everything = metrics + health + deferred + logs.text() + first.headers() + first.body()
          + second.headers() + second.body() + third.headers() + third.body();
      assertThat(everything).doesNotContain(KEY_ONE, KEY_TWO, ADMIN_KEY, "ONE-key", "TWO-key");
    }
  }

  /** The tag the gateway records a client's spend under: {@code client:} and 12 hex digits of the key's SHA-256. */
  static String tagOf(String key) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
      return "client:" + HexFormat.of().formatHex(digest).substring(0, 12);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
