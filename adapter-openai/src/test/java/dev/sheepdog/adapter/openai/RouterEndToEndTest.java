package dev.sheepdog.adapter.openai;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.tuple;

import dev.sheepdog.core.Attempt;
import dev.sheepdog.core.RequestRejectedException;
import dev.sheepdog.core.RetryConfig;
import dev.sheepdog.core.RouteTableStrategy;
import dev.sheepdog.core.RoutedEmbedding;
import dev.sheepdog.core.RoutedResponse;
import dev.sheepdog.core.RoutedStreamListener;
import dev.sheepdog.core.RoutedStreamResult;
import dev.sheepdog.core.Router;
import dev.sheepdog.core.RouterSettings;
import dev.sheepdog.spi.ChatChunk;
import dev.sheepdog.spi.ChatRequest;
import dev.sheepdog.spi.CircuitState;
import dev.sheepdog.spi.EmbeddingRequest;
import dev.sheepdog.spi.FailureKind;
import dev.sheepdog.spi.ModelCatalog;
import dev.sheepdog.spi.ModelId;
import dev.sheepdog.spi.ModelSpec;
import dev.sheepdog.spi.Priority;
import dev.sheepdog.spi.RouteHints;
import dev.sheepdog.spi.RouterException;
import dev.sheepdog.spi.TaskType;
import dev.sheepdog.spi.Usage;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The router over two real {@link OpenAiProvider}s, each talking HTTP to its own MockWebServer:
 * failover, streaming failover, provider isolation after a 401, no failover after a 400, and
 * embeddings failing over within their vector space, with the system clock and scheduler.
 */
class RouterEndToEndTest {
  private static final ModelSpec M1 = ModelSpec.builder("m1", "first").upstreamName("upstream-one").build();
  private static final ModelSpec M2 = ModelSpec.builder("m2", "second").upstreamName("upstream-two").build();
  /** One embedding model, one vector space, served by both upstreams. */
  private static final ModelSpec E1 = ModelSpec.builder("e1", "first").upstreamName("text-embedding-3-small")
      .embedding(3).build();
  private static final ModelSpec E2 = ModelSpec.builder("e2", "second").upstreamName("text-embedding-3-small")
      .embedding(3).build();
  private static final RouteHints GENERAL = RouteHints.of(TaskType.GENERAL, Priority.NORMAL);

  private final Upstream first = new Upstream();
  private final Upstream second = new Upstream();
  private final OpenAiProvider firstProvider = provider("first", first);
  private final OpenAiProvider secondProvider = provider("second", second);
  private final Router router = Router.builder()
      .catalog(ModelCatalog.of(M1, M2, E1, E2))
      .provider(firstProvider)
      .provider(secondProvider)
      .strategy(RouteTableStrategy.builder().route(TaskType.GENERAL, Priority.NORMAL, "m1", "m2").build())
      .settings(withoutRetries())
      .build();

  @AfterEach
  void close() {
    firstProvider.close();
    secondProvider.close();
    first.close();
    second.close();
  }

  @Test
  void a_503_from_the_first_is_answered_by_the_second() throws Exception {
    // given
    first.enqueue(Upstream.error(503, "server_error", null, "The server is overloaded"));
    second.enqueue(Upstream.json(200, Upstream.answer("from second", new Usage(12, 3))));
    // when
    RoutedResponse answer = router.route(ChatRequest.ofUser("Hi"), GENERAL).get(10, SECONDS);
    // then
    assertThat(answer.content()).isEqualTo("from second");
    assertThat(answer.model()).isEqualTo(ModelId.of("m2"));
    assertThat(answer.usage()).isEqualTo(new Usage(12, 3));
    assertThat(answer.attempts()).extracting(Attempt::model, Attempt::failure, Attempt::httpStatus)
        .containsExactly(
            tuple(ModelId.of("m1"), FailureKind.UNAVAILABLE, 503),
            tuple(ModelId.of("m2"), null, 200));
    assertOneChatPost(first, "upstream-one", false);
    assertOneChatPost(second, "upstream-two", false);
  }

  @Test
  void a_stream_failing_with_503_before_any_chunk_is_served_by_the_second() throws Exception {
    // given
    first.enqueue(Upstream.error(503, "server_error", null, "The server is overloaded"));
    second.enqueue(Upstream.sse(Upstream.wholeStream(List.of("Hel", "lo"), new Usage(9, 2))));
    Recorder recorder = new Recorder();
    // when
    router.stream(ChatRequest.ofUser("Hi"), GENERAL, recorder);
    RoutedStreamResult result = recorder.done.get(10, SECONDS);
    // then
    assertThat(recorder.models).containsOnly(ModelId.of("m2"));
    assertThat(String.join("", recorder.texts)).isEqualTo("Hello");
    assertThat(result.model()).isEqualTo(ModelId.of("m2"));
    assertThat(result.usage()).isEqualTo(new Usage(9, 2));
    assertThat(result.attempts()).extracting(Attempt::model, Attempt::failure)
        .containsExactly(
            tuple(ModelId.of("m1"), FailureKind.UNAVAILABLE),
            tuple(ModelId.of("m2"), null));
    assertOneChatPost(first, "upstream-one", true);
    assertOneChatPost(second, "upstream-two", true);
  }

  @Test
  void a_401_from_the_first_is_answered_by_the_second_and_opens_the_first() throws Exception {
    // given
    first.enqueue(Upstream.error(401, "invalid_request_error", "invalid_api_key", "Incorrect API key provided"));
    second.enqueue(Upstream.json(200, Upstream.answer("from second", null)));
    // when
    RoutedResponse answer = router.route(ChatRequest.ofUser("Hi"), GENERAL).get(10, SECONDS);
    // then
    assertThat(answer.content()).isEqualTo("from second");
    assertThat(answer.attempts()).extracting(Attempt::model, Attempt::failure, Attempt::httpStatus)
        .containsExactly(
            tuple(ModelId.of("m1"), FailureKind.UNAUTHORIZED, 401),
            tuple(ModelId.of("m2"), null, 200));
    assertThat(router.healthReport().model("m1")).hasValueSatisfying(m1 -> {
      assertThat(m1.state()).isEqualTo(CircuitState.OPEN);
      assertThat(m1.lastFailure()).isEqualTo(FailureKind.UNAUTHORIZED);
    });
    assertThat(router.healthReport().model("m2")).hasValueSatisfying(
        m2 -> assertThat(m2.state()).isEqualTo(CircuitState.CLOSED));
    assertOneChatPost(first, "upstream-one", false);
    assertOneChatPost(second, "upstream-two", false);
  }

  @Test
  void a_400_from_the_first_is_rejected_without_calling_the_second() throws Exception {
    // given
    first.enqueue(Upstream.error(400, "invalid_request_error", null, "Invalid value for 'temperature'"));
    // when
    CompletableFuture<RoutedResponse> routed = router.route(ChatRequest.ofUser("Hi"), GENERAL);
    Throwable thrown = catchThrowable(() -> routed.get(10, SECONDS));
    // then
    assertThat(thrown).isInstanceOf(ExecutionException.class);
    assertThat(thrown.getCause()).isInstanceOfSatisfying(RequestRejectedException.class, rejected -> {
      assertThat(rejected.kind()).isEqualTo(FailureKind.BAD_REQUEST);
      assertThat(rejected.httpStatus()).isEqualTo(400);
      assertThat(rejected.model()).isEqualTo(ModelId.of("m1"));
      assertThat(rejected.providerMessage()).isEqualTo("Invalid value for 'temperature'");
    });
    assertOneChatPost(first, "upstream-one", false);
    assertThat(second.server.getRequestCount()).as("requests the second upstream received").isZero();
  }

  @Test
  void embeddings_of_the_wrong_size_from_the_first_are_answered_by_the_second() throws Exception {
    // given: two vectors asked for; the first upstream sends two of two values, the second of three
    first.enqueue(Upstream.json(200, Upstream.embeddings(2, 2, 4)));
    second.enqueue(Upstream.json(200, Upstream.embeddings(2, 3, 4)));
    RouteHints pinned = RouteHints.builder().pin(E1.id()).pin(E2.id()).build();
    // when
    RoutedEmbedding routed = router.embed(EmbeddingRequest.of("Hi", "there"), pinned).get(10, SECONDS);
    // then
    assertThat(routed.model()).isEqualTo(E2.id());
    assertThat(routed.response().data()).extracting(e -> e.vector().length).containsExactly(3, 3);
    assertThat(routed.usage()).isEqualTo(new Usage(4, 0));
    assertThat(routed.attempts()).extracting(Attempt::model, Attempt::failure)
        .containsExactly(tuple(E1.id(), FailureKind.MALFORMED_RESPONSE), tuple(E2.id(), null));
    for (Upstream upstream : List.of(first, second)) {
      RecordedRequest sent = upstream.take();
      assertThat(sent.getUrl().encodedPath()).isEqualTo("/v1/embeddings");
      assertThat(Upstream.bodyOf(sent)).containsEntry("model", "text-embedding-3-small")
          .containsEntry("input", List.of("Hi", "there"));
    }
  }

  // ---- helpers

  private static OpenAiProvider provider(String id, Upstream upstream) {
    return OpenAiProvider.builder()
        .id(id)
        .baseUrl(upstream.server.url("/v1").toString())
        .apiKey(Upstream.KEY)
        .httpClient(upstream.jetty())
        .build();
  }

  private static RouterSettings withoutRetries() {
    RouterSettings defaults = RouterSettings.defaults();
    return new RouterSettings(defaults.deadline(), defaults.attemptTimeout(), RetryConfig.noRetries(),
        defaults.circuit(), defaults.allOpenPolicy(), defaults.defaultRetryAfter());
  }

  private static void assertOneChatPost(Upstream upstream, String upstreamModel, boolean stream) throws Exception {
    RecordedRequest sent = upstream.take();
    assertThat(sent.getMethod()).isEqualTo("POST");
    assertThat(sent.getUrl().encodedPath()).isEqualTo("/v1/chat/completions");
    assertThat(Upstream.bodyOf(sent)).containsEntry("model", upstreamModel);
    if (stream) {
      assertThat(Upstream.bodyOf(sent)).containsEntry("stream", true);
    }
    assertThat(upstream.server.getRequestCount()).as("requests the upstream received").isEqualTo(1);
  }

  /** Records what a routed stream delivers; completes {@link #done} on its end. */
  private static final class Recorder implements RoutedStreamListener {
    final List<ModelId> models = Collections.synchronizedList(new ArrayList<>());
    final List<String> texts = Collections.synchronizedList(new ArrayList<>());
    final CompletableFuture<RoutedStreamResult> done = new CompletableFuture<>();

    @Override
    public void onChunk(ModelId model, ChatChunk chunk) {
      models.add(model);
      texts.add(chunk.text());
    }

    @Override
    public void onComplete(RoutedStreamResult result) {
      done.complete(result);
    }

    @Override
    public void onError(RouterException error) {
      done.completeExceptionally(error);
    }
  }
}
