package dev.sheepdog.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sheepdog.spi.CallOptions;
import dev.sheepdog.spi.ChatProvider;
import dev.sheepdog.spi.ChatRequest;
import dev.sheepdog.spi.ChatResponse;
import dev.sheepdog.spi.Embedding;
import dev.sheepdog.spi.EmbeddingRequest;
import dev.sheepdog.spi.EmbeddingResponse;
import dev.sheepdog.spi.EmbeddingSpec;
import dev.sheepdog.spi.FailureKind;
import dev.sheepdog.spi.ModelCatalog;
import dev.sheepdog.spi.ModelId;
import dev.sheepdog.spi.ModelSpec;
import dev.sheepdog.spi.Priority;
import dev.sheepdog.spi.Money;
import dev.sheepdog.spi.ProviderException;
import dev.sheepdog.spi.ProviderId;
import dev.sheepdog.spi.RouteHints;
import dev.sheepdog.spi.StreamHandle;
import dev.sheepdog.spi.StreamListener;
import dev.sheepdog.spi.TaskType;
import dev.sheepdog.spi.Usage;
import dev.sheepdog.testkit.ManualTicker;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** Embeddings through the router: failover within one vector space and size, limits, ledger, checks. */
class EmbeddingRoutingTest {
  private final ManualTicker ticker = new ManualTicker();
  private final EmbeddingUpstream upstream = new EmbeddingUpstream("emb");

  /** small on two providers' names (one space), large (another space), small-512 (same space, other size), chat. */
  private final ModelCatalog catalog = ModelCatalog.of(
      ModelSpec.builder("small", "emb").upstreamName("text-embedding-3-small").price("0.02", "0")
          .contextWindow(8_191).embedding(1536).build(),
      ModelSpec.builder("small-backup", "emb").upstreamName("text-embedding-3-small").price("0.03", "0")
          .contextWindow(8_191).embedding(1536).build(),
      ModelSpec.builder("large", "emb").upstreamName("text-embedding-3-large").price("0.13", "0")
          .contextWindow(8_191).embedding(new EmbeddingSpec(1536, "text-embedding-3-large")).build(),
      ModelSpec.builder("legacy", "emb").upstreamName("text-embedding-3-small").price("0.01", "0")
          .contextWindow(8_191).embedding(new EmbeddingSpec(512, "text-embedding-3-small")).build(),
      ModelSpec.builder("chat", "emb").price("0.001", "0.001").build());

  private Router router() {
    return builder().build();
  }

  private RouterBuilder builder() {
    // one round: a request that failed everywhere ends at once, without waiting on the manual clock
    return Router.builder().catalog(catalog).provider(upstream).clock(ticker)
        .settings(RouterSettings.defaults().withRetry(RetryConfig.noRetries()))
        .strategy(RouteTableStrategy.builder().route(TaskType.GENERAL, Priority.NORMAL, "chat").build());
  }

  private static RouteHints pinned(String... models) {
    RouteHints.Builder hints = RouteHints.builder();
    for (String model : models) {
      hints.pin(ModelId.of(model));
    }
    return hints.build();
  }

  @Test
  void vectors_come_from_the_first_model_priced_at_its_input_price_and_in_the_ledger() {
    // given
    upstream.answer("small", request -> upstream.vectors(request, 1536, new Usage(1_000_000, 0)));
    Router router = router();
    // when
    RoutedEmbedding answer = router.embed(EmbeddingRequest.of("a", "b"), pinned("small", "small-backup")).join();
    // then
    assertThat(answer.model()).isEqualTo(ModelId.of("small"));
    assertThat(answer.response().data()).hasSize(2);
    assertThat(answer.cost()).isEqualTo(Money.ofNanos(20_000_000));
    assertThat(router.ledger().total()).isEqualTo(Money.ofNanos(20_000_000));
  }

  /** The sample of docs/embedding.md's "Embeddings", between the tag comments. */
  @Test
  void the_documented_sample_embeds_two_texts() {
    // given
    upstream.answer("small", request -> upstream.vectors(request, 1536, new Usage(6, 0)));
    Router router = router();
    // tag::embeddings[]
    RoutedEmbedding vectors = router.embed(EmbeddingRequest.of("first chunk", "second chunk"),
        RouteHints.builder().pin(ModelId.of("small"), ModelId.of("small-backup")).build()).join();
    double[] first = vectors.response().data().get(0).vector();   // 1536 values, from small or its backup
    // end::embeddings[]
    // then
    assertThat(first).hasSize(1536);
    assertThat(vectors.model()).isEqualTo(ModelId.of("small"));
  }

  @Test
  void a_failure_fails_over_to_the_next_model_of_the_same_space_and_size_only() {
    // given: the space and size of small; large (other space) and legacy (512) are never tried
    upstream.answer("small", request -> CompletableFuture.failedFuture(
        new ProviderException(FailureKind.UNAVAILABLE, 503, "down")));
    upstream.answer("small-backup", request -> upstream.vectors(request, 1536, new Usage(4, 0)));
    Router router = router();
    // when
    RoutedEmbedding answer = router.embed(EmbeddingRequest.of("hello"),
        pinned("small", "large", "legacy", "small-backup")).join();
    // then
    assertThat(answer.model()).isEqualTo(ModelId.of("small-backup"));
    assertThat(answer.attempts()).extracting(Attempt::model)
        .containsExactly(ModelId.of("small"), ModelId.of("small-backup"));
    assertThat(upstream.calls).containsExactly("small", "small-backup");
  }

  @Test
  void the_size_asked_for_decides_which_models_match() {
    // given: at 512 dimensions small and legacy give vectors of one size and space
    upstream.answer("small", request -> CompletableFuture.failedFuture(
        new ProviderException(FailureKind.RATE_LIMITED, 429, "slow down")));
    upstream.answer("legacy", request -> upstream.vectors(request, 512, null));
    EmbeddingRequest request = new EmbeddingRequest("hello", 512, Map.of());
    // when
    RoutedEmbedding answer = router().embed(request, pinned("small", "legacy")).join();
    // then
    assertThat(answer.model()).isEqualTo(ModelId.of("legacy"));
    assertThat(answer.usage()).isEqualTo(Usage.NONE);
    assertThat(answer.cost().nanos()).isPositive();
  }

  @Test
  void vectors_of_the_wrong_size_or_count_are_the_upstreams_fault_and_fail_over() {
    // given
    upstream.answer("small", request -> upstream.vectors(request, 768, null));
    upstream.answer("small-backup", request -> CompletableFuture.completedFuture(
        new EmbeddingResponse(List.of(), null, null, Map.of())));
    Router router = router();
    // when / then
    assertThatThrownBy(() -> router.embed(EmbeddingRequest.of("a"), pinned("small", "small-backup")).join())
        .isInstanceOf(CompletionException.class).cause().isInstanceOfSatisfying(AllModelsFailedException.class,
            e -> assertThat(e.attempts()).extracting(Attempt::failure)
                .containsOnly(FailureKind.MALFORMED_RESPONSE));
    assertThat(upstream.calls).containsExactly("small", "small-backup");
  }

  @Test
  void each_input_must_fit_the_window_not_the_whole_batch() {
    // given: three inputs of ~5,000 tokens each, 15,000 in all, against a window of 8,191
    upstream.answer("small", request -> upstream.vectors(request, 1536, null));
    String input = "x".repeat(20_000);
    Router router = router();
    // when
    RoutedEmbedding answer = router.embed(EmbeddingRequest.of(input, input, input), pinned("small")).join();
    // then
    assertThat(answer.response().data()).hasSize(3);
    assertThatThrownBy(() -> router.embed(EmbeddingRequest.of("x".repeat(40_000)), pinned("small")).join())
        .cause().isInstanceOfSatisfying(RequestNotServableException.class,
            e -> assertThat(e.reason()).isEqualTo(RequestNotServableException.Reason.PROMPT_TOO_LONG));
  }

  @Test
  void embedding_models_are_never_planned_for_chat_and_chat_models_never_for_embeddings() {
    // given
    Router router = router();
    // when / then: the strategy's plan has the chat model only; a chat model pinned for embeddings is not planned
    assertThatThrownBy(() -> router.route(ChatRequest.ofUser("hi"), pinned("small")).join())
        .cause().isInstanceOf(AllModelsFailedException.class).hasMessageContaining("no model is planned");
    assertThatThrownBy(() -> router.embed(EmbeddingRequest.of("hi"), pinned("chat")).join())
        .cause().isInstanceOf(AllModelsFailedException.class).hasMessageContaining("no model is planned");
    assertThat(upstream.calls).isEmpty();
  }

  @Test
  void a_route_table_that_names_an_embedding_model_fails_the_build() {
    // when / then
    assertThatThrownBy(() -> Router.builder().catalog(catalog).provider(upstream)
        .strategy(RouteTableStrategy.builder().route(TaskType.GENERAL, Priority.NORMAL, "chat", "small").build())
        .build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("small, an embedding model");
  }

  @Test
  void an_embeddings_request_that_failed_everywhere_is_not_deferred() {
    // given
    upstream.answer("small", request -> CompletableFuture.failedFuture(
        new ProviderException(FailureKind.UNAVAILABLE, 503, "down")));
    Router router = builder().deferredQueue(new dev.sheepdog.core.deferred.InMemoryDeferredQueue(10, 10)).build();
    // when / then
    assertThatThrownBy(() -> router.embed(EmbeddingRequest.of("a"), pinned("small").toBuilder()
        .allowDeferral(true).build()).join())
        .cause().isInstanceOfSatisfying(AllModelsFailedException.class, e -> {
          assertThat(e.deferredId()).isEmpty();
          assertThat(e.getMessage()).contains("only chat requests are deferred");
        });
    assertThat(router.deferredQueue().orElseThrow().queued()).isZero();
  }

  /** Answers embeddings per model as scripted; records the models called. */
  private static final class EmbeddingUpstream implements ChatProvider {
    private final ProviderId id;
    private final Map<String, Function<EmbeddingRequest, CompletableFuture<EmbeddingResponse>>> answers =
        new HashMap<>();
    final List<String> calls = java.util.Collections.synchronizedList(new ArrayList<>());

    EmbeddingUpstream(String id) {
      this.id = ProviderId.of(id);
    }

    void answer(String model, Function<EmbeddingRequest, CompletableFuture<EmbeddingResponse>> answer) {
      answers.put(model, answer);
    }

    CompletableFuture<EmbeddingResponse> vectors(EmbeddingRequest request, int dimensions, Usage usage) {
      List<Embedding> data = new ArrayList<>();
      for (int i = 0; i < request.inputCount(); i++) {
        data.add(new Embedding(i, new double[dimensions], null, Map.of()));
      }
      return CompletableFuture.completedFuture(new EmbeddingResponse(data, null, usage, Map.of()));
    }

    @Override
    public ProviderId id() {
      return id;
    }

    @Override
    public CompletableFuture<ChatResponse> complete(ModelSpec model, ChatRequest request, CallOptions options) {
      calls.add(model.id().value());
      return CompletableFuture.failedFuture(new ProviderException(FailureKind.UNAVAILABLE, 503, "no chat here"));
    }

    @Override
    public StreamHandle stream(ModelSpec model, ChatRequest request, CallOptions options, StreamListener listener) {
      throw new UnsupportedOperationException();
    }

    @Override
    public CompletableFuture<EmbeddingResponse> embed(ModelSpec model, EmbeddingRequest request,
        CallOptions options) {
      calls.add(model.id().value());
      return answers.getOrDefault(model.id().value(), r -> CompletableFuture.failedFuture(
          new ProviderException(FailureKind.UNAVAILABLE, 503, "unscripted"))).apply(request);
    }
  }
}
