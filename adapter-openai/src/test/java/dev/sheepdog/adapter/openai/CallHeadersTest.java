package dev.sheepdog.adapter.openai;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sheepdog.spi.CallOptions;
import dev.sheepdog.spi.ChatChunk;
import dev.sheepdog.spi.ChatRequest;
import dev.sheepdog.spi.ProviderException;
import dev.sheepdog.spi.StreamListener;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** A call's extra headers ({@link CallOptions#headers()}) reach the upstream, on both transports, never over the key. */
class CallHeadersTest {
  private static final String TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  private static final CallOptions OPTIONS = CallOptions.of(Duration.ofSeconds(10), "req-7").withHeaders(Map.of(
      "traceparent", TRACEPARENT, "Authorization", "Bearer not-the-key", "X-Request-Id", "other"));
  private static final ChatRequest REQUEST = ChatRequest.ofUser("Hi");

  @ParameterizedTest
  @EnumSource(Upstream.Transport.class)
  void a_completion_sends_the_extra_headers_but_keeps_its_own(Upstream.Transport transport) throws Exception {
    try (Upstream upstream = new Upstream(transport)) {
      // given
      upstream.enqueue(Upstream.json(200, Upstream.answer("ok", null)));
      OpenAiProvider provider = upstream.provider().build();
      // when
      provider.complete(Upstream.MODEL, REQUEST, OPTIONS).get(10, TimeUnit.SECONDS);
      // then
      assertOwnHeadersKept(upstream.take());
    }
  }

  @ParameterizedTest
  @EnumSource(Upstream.Transport.class)
  void a_stream_sends_them_too(Upstream.Transport transport) throws Exception {
    try (Upstream upstream = new Upstream(transport)) {
      // given
      upstream.enqueue(Upstream.sse(Upstream.wholeStream(List.of("o", "k"), new dev.sheepdog.spi.Usage(3, 2))));
      OpenAiProvider provider = upstream.provider().build();
      CompletableFuture<Void> done = new CompletableFuture<>();
      // when
      provider.stream(Upstream.MODEL, REQUEST, OPTIONS, new StreamListener() {
        @Override
        public void onChunk(ChatChunk chunk) {}

        @Override
        public void onComplete() {
          done.complete(null);
        }

        @Override
        public void onError(ProviderException error) {
          done.completeExceptionally(error);
        }
      });
      done.get(10, TimeUnit.SECONDS);
      // then
      assertOwnHeadersKept(upstream.take());
    }
  }

  private static void assertOwnHeadersKept(RecordedRequest sent) {
    assertThat(sent.getHeaders().get("traceparent")).isEqualTo(TRACEPARENT);
    assertThat(sent.getHeaders().get("Authorization")).isEqualTo("Bearer " + Upstream.KEY);
    assertThat(sent.getHeaders().values("Authorization")).hasSize(1);
    assertThat(sent.getHeaders().get("X-Request-Id")).isEqualTo("req-7");
  }
}
