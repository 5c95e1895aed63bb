package dev.sheepdog.adapter.openai;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sheepdog.spi.CallOptions;
import dev.sheepdog.spi.ChatChunk;
import dev.sheepdog.spi.ChatRequest;
import dev.sheepdog.spi.EmbeddingRequest;
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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** What either transport reads of a reply is bounded, and what it sends names Sheepdog. */
class ReplyBoundsTest {
  private static final CallOptions OPTIONS = CallOptions.of(Duration.ofSeconds(30), "r1");

  private final Upstream upstream = new Upstream();

  private final java.util.List<Upstream> others = new java.util.ArrayList<>();

  @AfterEach
  void stop() {
    upstream.close();
    others.forEach(Upstream::close);
  }

  /** The default upstream, or one on the other transport. */
  private Upstream on(Upstream.Transport transport) {
    if (transport == Upstream.Transport.JETTY) {
      return upstream;
    }
    Upstream other = new Upstream(transport);
    others.add(other);
    return other;
  }

  @ParameterizedTest
  @EnumSource(Upstream.Transport.class)
  void a_json_reply_past_16_mib_is_malformed(Upstream.Transport transport) throws Exception {
    // given: one reply that says its length, one that does not, on either transport
    Upstream upstream = on(transport);
    String huge = Upstream.answer("x".repeat(OpenAiConfig.MAX_RESPONSE_BYTES), null);
    upstream.enqueue(Upstream.json(200, huge));
    upstream.enqueue(new MockResponse.Builder(Upstream.json(200, huge)).chunkedBody(huge, 1 << 20).build());
    OpenAiProvider provider = upstream.provider().build();
    // when
    ProviderException sized = failureOf(provider.complete(Upstream.MODEL, ChatRequest.ofUser("hi"), OPTIONS));
    ProviderException chunked = failureOf(provider.complete(Upstream.MODEL, ChatRequest.ofUser("hi"), OPTIONS));
    // then
    assertThat(sized.kind()).isEqualTo(FailureKind.MALFORMED_RESPONSE);
    assertThat(chunked.kind()).isEqualTo(FailureKind.MALFORMED_RESPONSE);
    assertThat(chunked.providerMessage()).contains("larger than " + OpenAiConfig.MAX_RESPONSE_BYTES);
  }

  @ParameterizedTest
  @EnumSource(Upstream.Transport.class)
  void an_error_reply_of_any_length_is_classified_from_its_start(Upstream.Transport transport) throws Exception {
    // given: a 503 whose page runs to 32 MiB, in a reply that does not say its length
    Upstream upstream = on(transport);
    String page = "{\"error\":{\"message\":\"overloaded\",\"type\":\"server_error\"}}"
        + " ".repeat(32 << 20);
    upstream.enqueue(new MockResponse.Builder().code(503).addHeader("Content-Type", "application/json")
        .chunkedBody(page, 1 << 20).build());
    // when
    ProviderException failure = failureOf(upstream.provider().build()
        .complete(Upstream.MODEL, ChatRequest.ofUser("hi"), OPTIONS));
    // then
    assertThat(failure.kind()).isEqualTo(FailureKind.UNAVAILABLE);
    assertThat(failure.httpStatus()).isEqualTo(503);
  }

  @ParameterizedTest
  @EnumSource(Upstream.Transport.class)
  void an_embeddings_reply_past_16_mib_is_malformed(Upstream.Transport transport) throws Exception {
    // given: more values than fit, in a reply that does not say its length, on either transport
    Upstream upstream = on(transport);
    String huge = Upstream.embeddings(1, OpenAiConfig.MAX_RESPONSE_BYTES / 4, 1);
    upstream.enqueue(new MockResponse.Builder(Upstream.json(200, huge)).chunkedBody(huge, 1 << 20).build());
    // when
    ProviderException failure = failureOf(upstream.provider().build()
        .embed(Upstream.EMBEDDING_MODEL, EmbeddingRequest.of("hi"), OPTIONS));
    // then
    assertThat(failure.kind()).isEqualTo(FailureKind.MALFORMED_RESPONSE);
    assertThat(failure.providerMessage()).contains("larger than " + OpenAiConfig.MAX_RESPONSE_BYTES);
  }

  @Test
  void a_stream_event_past_4_mib_is_malformed() throws Exception {
    // given
    String huge = Upstream.chunk("y".repeat(OpenAiConfig.MAX_EVENT_BYTES), null);
    upstream.enqueue(Upstream.sse(Upstream.events(List.of(Upstream.chunk("ok", null), huge))));
    CompletableFuture<ProviderException> failure = new CompletableFuture<>();
    // when
    upstream.provider().build().stream(Upstream.MODEL, ChatRequest.builder().user("hi").stream(true).build(), OPTIONS,
        new StreamListener() {
          @Override
          public void onChunk(ChatChunk chunk) {}

          @Override
          public void onComplete() {
            failure.complete(null);
          }

          @Override
          public void onError(ProviderException error) {
            failure.complete(error);
          }
        });
    // then
    ProviderException error = failure.get(30, TimeUnit.SECONDS);
    assertThat(error).isNotNull();
    assertThat(error.kind()).isEqualTo(FailureKind.MALFORMED_RESPONSE);
  }

  @Test
  void names_sheepdog_and_its_version_as_the_user_agent() throws Exception {
    // given
    upstream.enqueue(Upstream.json(200, Upstream.answer("ok", null)));
    // when
    upstream.provider().build().complete(Upstream.MODEL, ChatRequest.ofUser("hi"), OPTIONS).get(30, TimeUnit.SECONDS);
    // then
    assertThat(upstream.take().getHeaders().get("User-Agent")).matches("sheepdog/\\d+\\.\\d+\\.\\d+.*");
  }

  private static ProviderException failureOf(CompletableFuture<?> call) throws Exception {
    try {
      call.get(30, TimeUnit.SECONDS);
      throw new AssertionError("expected a failure");
    } catch (ExecutionException e) {
      return (ProviderException) e.getCause();
    }
  }
}
