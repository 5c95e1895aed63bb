package dev.sheepdog.adapter.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.sheepdog.spi.CallOptions;
import dev.sheepdog.spi.ChatChunk;
import dev.sheepdog.spi.ChatRequest;
import dev.sheepdog.spi.FailureKind;
import dev.sheepdog.spi.ProviderException;
import dev.sheepdog.spi.StreamListener;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * An upstream that echoes the configured secrets in shapes no pattern knows: they show in no
 * failure the adapter reports, not even in part.
 */
class EchoedSecretsTest {
  private static final String HEX_KEY = "d41d8cd98f00b204e9800998ecf8427e";
  private static final String PROXY_SECRET = "Prx+Secret/AbCdEf0123=";
  private static final CallOptions OPTIONS = CallOptions.of(Duration.ofSeconds(10), "r1");

  private final Upstream upstream = new Upstream();
  private final OpenAiProvider provider = OpenAiProvider.builder()
      .id("test")
      .baseUrl(upstream.server.url("/v1").toString())
      .apiKey(HEX_KEY)
      .header("X-Proxy-Secret", PROXY_SECRET)
      .header("X-Route", "blue")
      .httpClient(upstream.jetty())
      .build();

  @AfterEach
  void stop() {
    provider.close();
    upstream.close();
  }

  @Test
  void a_400_echoing_the_key_in_its_message_and_in_a_url() throws Exception {
    // given
    upstream.enqueue(Upstream.error(400, "invalid_request_error", null,
        "Key " + HEX_KEY + " may not call https://api.example.com/v1/chat?key=" + HEX_KEY + "&x=1"));
    // when
    ProviderException failure = failure();
    // then
    assertThat(failure.kind()).isEqualTo(FailureKind.BAD_REQUEST);
    assertThat(failure.providerMessage())
        .isEqualTo("Key [redacted] may not call https://api.example.com/v1/chat?key=[redacted]&x=1");
    assertKeepsSecrets(failure);
  }

  @Test
  void a_401_in_plain_text() throws Exception {
    // given
    upstream.enqueue(new MockResponse.Builder().code(401).setHeader("Content-Type", "text/plain")
        .body("unknown key '" + HEX_KEY + "'").build());
    // when
    ProviderException failure = failure();
    // then
    assertThat(failure.kind()).isEqualTo(FailureKind.UNAUTHORIZED);
    assertThat(failure.providerMessage()).isEqualTo("unknown key '[redacted]'");
    assertKeepsSecrets(failure);
  }

  @Test
  void a_500_whose_json_is_not_an_error_object_echoes_the_proxy_secret_escaped_and_url_encoded() throws Exception {
    // given: the raw body becomes the message, with the secret as JSON and a URL write it
    upstream.enqueue(Upstream.json(500, "[\"proxy refused Prx+Secret\\/AbCdEf0123=\","
        + "\"see https://proxy.example.com/?s=Prx%2BSecret%2FAbCdEf0123%3D\",\"" + HEX_KEY + "\"]"));
    // when
    ProviderException failure = failure();
    // then
    assertThat(failure.kind()).isEqualTo(FailureKind.UNAVAILABLE);
    assertThat(failure.providerMessage()).contains("proxy refused [redacted]", "?s=[redacted]");
    assertKeepsSecrets(failure);
  }

  @Test
  void a_500_longer_than_a_message_echoing_the_key_where_it_is_cut() throws Exception {
    // given: the key straddles the 500th character
    String body = "x".repeat(490) + HEX_KEY + " and again " + HEX_KEY;
    upstream.enqueue(new MockResponse.Builder().code(500).body(body).build());
    // when
    ProviderException failure = failure();
    // then
    assertThat(failure.providerMessage()).startsWith("x".repeat(490) + "[redacted]");
    assertKeepsSecrets(failure);
  }

  @Test
  void an_answer_with_the_key_for_a_token_count() throws Exception {
    // given
    upstream.enqueue(Upstream.json(200, "{\"choices\":[{\"index\":0,\"message\":{\"content\":\"hi\"}}],"
        + "\"usage\":{\"prompt_tokens\":\"" + HEX_KEY + HEX_KEY + "\",\"completion_tokens\":1}}"));
    // when
    ProviderException failure = failure();
    // then
    assertThat(failure.kind()).isEqualTo(FailureKind.MALFORMED_RESPONSE);
    assertKeepsSecrets(failure);
  }

  @Test
  void an_error_event_mid_stream() throws Exception {
    // given
    upstream.enqueue(Upstream.sse(Upstream.events(List.of(Upstream.chunk("Part", null),
        "{\"error\":{\"message\":\"key " + HEX_KEY + " revoked\",\"type\":\"server_error\"}}"))));
    // when
    ProviderException failure = streamFailure();
    // then
    assertThat(failure.providerMessage()).isEqualTo("key [redacted] revoked");
    assertKeepsSecrets(failure);
  }

  @Test
  void a_stream_refused_with_401() throws Exception {
    // given
    upstream.enqueue(Upstream.error(401, "invalid_request_error", "invalid_api_key", "bad key " + HEX_KEY));
    // when
    ProviderException failure = streamFailure();
    // then
    assertThat(failure.kind()).isEqualTo(FailureKind.UNAUTHORIZED);
    assertKeepsSecrets(failure);
  }

  @Test
  void a_stream_answered_with_a_content_type_that_echoes_the_key() throws Exception {
    // given
    upstream.enqueue(new MockResponse.Builder().setHeader("Content-Type", "text/plain; key=" + HEX_KEY)
        .body("no").build());
    // when
    ProviderException failure = streamFailure();
    // then
    assertThat(failure.kind()).isEqualTo(FailureKind.MALFORMED_RESPONSE);
    assertKeepsSecrets(failure);
  }

  @Test
  void short_header_values_are_not_secrets_and_stay_in_messages() throws Exception {
    // given
    upstream.enqueue(Upstream.error(400, "invalid_request_error", null, "route blue is closed"));
    // when
    ProviderException failure = failure();
    // then
    assertThat(failure.providerMessage()).isEqualTo("route blue is closed");
  }

  /** Neither secret, nor any 9 characters of one, in the failure or its causes. */
  private static void assertKeepsSecrets(ProviderException failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      for (String shown : List.of(String.valueOf(t.getMessage()), t.toString(),
          t instanceof ProviderException p ? p.providerMessage() : "")) {
        for (String secret : List.of(HEX_KEY, PROXY_SECRET)) {
          for (int i = 0; i + 9 <= secret.length(); i++) {
            assertThat(shown).doesNotContain(secret.substring(i, i + 9));
          }
        }
      }
    }
  }

  private ProviderException failure() throws Exception {
    CompletableFuture<?> call = provider.complete(Upstream.MODEL, ChatRequest.ofUser("hi"), OPTIONS);
    try {
      Object value = call.get(10, TimeUnit.SECONDS);
      return fail("expected a failure, got " + value);
    } catch (ExecutionException e) {
      assertThat(e.getCause()).isInstanceOf(ProviderException.class);
      return (ProviderException) e.getCause();
    }
  }

  private ProviderException streamFailure() throws Exception {
    CompletableFuture<ProviderException> failure = new CompletableFuture<>();
    provider.stream(Upstream.MODEL, ChatRequest.builder().user("hi").stream(true).build(), OPTIONS, new StreamListener() {
      @Override
      public void onChunk(ChatChunk chunk) {}

      @Override
      public void onComplete() {
        failure.completeExceptionally(new AssertionError("the stream completed"));
      }

      @Override
      public void onError(ProviderException error) {
        failure.complete(error);
      }
    });
    return failure.get(10, TimeUnit.SECONDS);
  }
}
