package dev.sheepdog.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.sheepdog.spi.CallOptions;
import dev.sheepdog.spi.ChatChunk;
import dev.sheepdog.spi.ChatProvider;
import dev.sheepdog.spi.ChatRequest;
import dev.sheepdog.spi.ChatResponse;
import dev.sheepdog.spi.Embedding;
import dev.sheepdog.spi.EmbeddingRequest;
import dev.sheepdog.spi.EmbeddingResponse;
import dev.sheepdog.spi.FailureKind;
import dev.sheepdog.spi.ModelSpec;
import dev.sheepdog.spi.ProviderException;
import dev.sheepdog.spi.StreamHandle;
import dev.sheepdog.spi.StreamListener;
import dev.sheepdog.spi.Usage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The contract every {@link ChatProvider} must keep, as a test to extend: ours and third-party
 * adapters alike.
 *
 * <p>Subclasses arrange what the upstream does next (the {@code given…} methods), and hand over a
 * fresh provider and a model. The checks run in real time with short timeouts, so that adapters
 * over real sockets can be tested; none of them sleeps, except for a short quiet period after a
 * stream's end, in which no further signal may arrive.
 *
 * <p>What it checks besides the answers: every call returns at once and never throws (a failure,
 * even one found before anything is sent, arrives through the future or the listener); a stream
 * ends exactly once and nothing follows its end; each test ends within {@link #TEST_TIMEOUT}, on a
 * separate thread, so a provider that blocks fails the test instead of hanging the build.
 *
 * <p><b>Providers that cannot stream chunk by chunk</b> (the upstream has no streaming API)
 * override {@link #streamsChunkByChunk()} to return {@code false}: their stream may deliver the
 * whole text as one chunk, then end. Every test method is public, so a subclass can override one
 * with {@code @Disabled("why")} where a check cannot apply, and say why.
 *
 * <p><b>Providers that serve embeddings</b> override {@link #embeddingModel()} (and, when the
 * upstream must be told what to answer, {@link #givenEmbeddings}); the embedding checks run only
 * then. {@link #givenFailure} and {@link #givenNoAnswer} arrange the next call whichever it is, an
 * embeddings call included.
 *
 * <pre>{@code
 * class MyProviderContractTest extends ChatProviderContractTest {
 *   protected ChatProvider provider() { ... }
 *   protected ModelSpec model() { ... }
 *   protected void givenAnswer(String content, Usage usage) { ... }
 *   // …
 * }
 * }</pre>
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
public abstract class ChatProviderContractTest {
  /** How long to wait for anything the provider should do promptly. */
  protected static final Duration PATIENCE = Duration.ofSeconds(10);

  /** The longest any one test may take; a provider that blocks fails within it. */
  protected static final Duration TEST_TIMEOUT = Duration.ofSeconds(30);

  /** How long a stream must stay silent after it ended. */
  protected static final Duration QUIET = Duration.ofMillis(200);

  /** The provider under test; called once per test after the {@code given…} arrangement. */
  protected abstract ChatProvider provider();

  /** A model the provider serves. */
  protected abstract ModelSpec model();

  /** The next call answers {@code content} with {@code usage}. */
  protected abstract void givenAnswer(String content, Usage usage);

  /** The next call fails the way an upstream fails for {@code kind} (a 503, a 401, …). */
  protected abstract void givenFailure(FailureKind kind);

  /** The next call gets no answer at all until it is cancelled or times out. */
  protected abstract void givenNoAnswer();

  /** The next stream delivers {@code chunks} in order, then ends normally with {@code usage}. */
  protected abstract void givenStream(List<String> chunks, Usage usage);

  /** The next stream delivers {@code chunks}, then breaks without its end marker. */
  protected abstract void givenStreamBrokenAfter(List<String> chunks);

  /** Asserts the upstream saw the last call cancelled (a closed socket, a recorded cancel). */
  protected abstract void assertUpstreamCancelled() throws Exception;

  /**
   * An embedding model the provider serves, or {@code null} (the default) for a provider that
   * serves none: the embedding checks are then skipped.
   */
  protected ModelSpec embeddingModel() {
    return null;
  }

  /**
   * The next embeddings call answers {@code inputs} vectors of {@code dimensions} values each, in
   * input order. Does nothing by default, for providers whose vectors need no script.
   */
  protected void givenEmbeddings(int inputs, int dimensions) {}

  /** The failure kinds this provider can produce from upstream behaviour. */
  protected Set<FailureKind> classifiedKinds() {
    return EnumSet.of(FailureKind.UNAVAILABLE, FailureKind.RATE_LIMITED, FailureKind.UNAUTHORIZED,
        FailureKind.BAD_REQUEST);
  }

  /** The provider's secret, which must appear in no exception; {@code null} if it has none. */
  protected String apiKey() {
    return null;
  }

  /** The timeout used by the timeout check. */
  protected Duration shortTimeout() {
    return Duration.ofMillis(300);
  }

  protected ChatRequest request() {
    return ChatRequest.ofUser("Say hello.");
  }

  /** The request of the embedding checks: two inputs. */
  protected EmbeddingRequest embeddingRequest() {
    return EmbeddingRequest.of("Say hello.", "Say goodbye.");
  }

  protected CallOptions options(Duration timeout) {
    return CallOptions.of(timeout, "contract-test");
  }

  /**
   * Whether the provider streams the upstream's chunks as they come; {@code false} for a provider
   * whose upstream cannot stream, which delivers the whole answer as one chunk.
   */
  protected boolean streamsChunkByChunk() {
    return true;
  }

  /** {@code provider().complete(...)}, failing the test if it throws instead of returning. */
  protected final CompletableFuture<ChatResponse> complete(ChatRequest request, CallOptions options) {
    CompletableFuture<ChatResponse> call;
    try {
      call = provider().complete(model(), request, options);
    } catch (RuntimeException e) {
      throw new AssertionError("complete(...) threw " + e + "; a provider never throws: every failure, even"
          + " one found before the request is sent, completes the future exceptionally", e);
    }
    assertThat(call).as("complete(...) returned a future").isNotNull();
    return call;
  }

  /** {@code provider().stream(...)}, failing the test if it throws instead of returning. */
  protected final StreamHandle stream(ChatRequest request, CallOptions options, StreamListener listener) {
    StreamHandle handle;
    try {
      handle = provider().stream(model(), request, options, listener);
    } catch (RuntimeException e) {
      throw new AssertionError("stream(...) threw " + e + "; a provider never throws: every failure, even"
          + " one found before the request is sent, ends the stream with onError", e);
    }
    assertThat(handle).as("stream(...) returned a handle").isNotNull();
    return handle;
  }

  /**
   * {@code provider().embed(...)} with {@link #embeddingModel()}, failing the test if it throws
   * instead of returning; skips the test when the provider serves no embedding model.
   */
  protected final CompletableFuture<EmbeddingResponse> embed(EmbeddingRequest request, CallOptions options) {
    ModelSpec model = servedEmbeddingModel();
    CompletableFuture<EmbeddingResponse> call;
    try {
      call = provider().embed(model, request, options);
    } catch (RuntimeException e) {
      throw new AssertionError("embed(...) threw " + e + "; a provider never throws: every failure, even"
          + " one found before the request is sent, completes the future exceptionally", e);
    }
    assertThat(call).as("embed(...) returned a future").isNotNull();
    return call;
  }

  /** {@link #embeddingModel()}; skips the test when the provider serves no embedding model. */
  private ModelSpec servedEmbeddingModel() {
    ModelSpec model = embeddingModel();
    assumeTrue(model != null, "the provider serves no embedding model");
    assertThat(model.isEmbedding()).as("embeddingModel() %s is an embedding model", model.id()).isTrue();
    return model;
  }

  @Test
  public void answers_with_content_and_usage() throws Exception {
    // given
    givenAnswer("Hello there.", new Usage(12, 3));
    // when
    ChatResponse response = await(complete(request(), options(PATIENCE)));
    // then
    assertThat(response.content()).isEqualTo("Hello there.");
    assertThat(response.usage()).isEqualTo(new Usage(12, 3));
    assertThat(response.choices()).isNotEmpty();
  }

  @Test
  public void classifies_each_failure_kind() throws Exception {
    for (FailureKind kind : classifiedKinds()) {
      // given
      givenFailure(kind);
      // when
      ProviderException failure = failureOf(complete(request(), options(PATIENCE)));
      // then
      assertThat(failure.kind()).as("classification of %s", kind).isEqualTo(kind);
      assertNoSecret(failure);
      if (kind == FailureKind.RATE_LIMITED) {
        assertThat(failure.retryAfter()).as("retry-after of a 429").isPresent();
      }
    }
  }

  @Test
  public void times_out_with_timeout_kind() throws Exception {
    // given
    givenNoAnswer();
    // when
    CompletableFuture<ChatResponse> call = complete(request(), options(shortTimeout()));
    // then
    ProviderException failure = failureOf(call);
    assertThat(failure.kind()).isEqualTo(FailureKind.TIMEOUT);
    assertNoSecret(failure);
  }

  @Test
  public void returns_without_blocking_the_caller() {
    // given
    givenNoAnswer();
    // when
    long start = System.nanoTime();
    CompletableFuture<ChatResponse> call = complete(request(), options(PATIENCE));
    long took = System.nanoTime() - start;
    // then
    assertThat(call).isNotDone();
    assertThat(Duration.ofNanos(took)).isLessThan(PATIENCE.dividedBy(2));
    call.cancel(true);
  }

  @Test
  public void cancelling_the_future_cancels_the_upstream_call() throws Exception {
    // given
    givenNoAnswer();
    CompletableFuture<ChatResponse> call = complete(request(), options(PATIENCE));
    // when
    call.cancel(true);
    // then
    assertThat(call).isCancelled();
    assertUpstreamCancelled();
  }

  @Test
  public void streams_chunks_in_order_and_terminates_once() throws Exception {
    // given
    List<String> chunks = List.of("Hel", "lo", ", ", "world");
    givenStream(chunks, new Usage(9, 4));
    RecordingListener listener = new RecordingListener();
    // when
    stream(request().withStream(true), options(PATIENCE), listener);
    // then
    listener.awaitTerminal();
    assertThat(listener.error).as("the stream's error").isNull();
    if (streamsChunkByChunk()) {
      assertThat(listener.texts()).containsExactlyElementsOf(chunks);
    } else {
      assertThat(String.join("", listener.texts())).isEqualTo(String.join("", chunks));
    }
    assertThat(listener.usage()).isEqualTo(new Usage(9, 4));
    listener.assertQuietAfterTerminal();
  }

  @Test
  public void a_broken_stream_ends_in_an_error_never_a_short_answer() throws Exception {
    // given
    givenStreamBrokenAfter(List.of("Partial ", "answer"));
    RecordingListener listener = new RecordingListener();
    // when
    stream(request().withStream(true), options(PATIENCE), listener);
    // then
    listener.awaitTerminal();
    assertThat(listener.completed.get()).as("completed normally").isZero();
    assertThat(listener.error).isNotNull();
    assertNoSecret(listener.error);
    listener.assertQuietAfterTerminal();
  }

  @Test
  public void cancelling_a_stream_stops_callbacks_and_the_upstream_call() throws Exception {
    // given
    givenNoAnswer();
    RecordingListener listener = new RecordingListener();
    StreamHandle handle = stream(request().withStream(true), options(PATIENCE), listener);
    // when
    handle.cancel();
    handle.cancel();
    // then: the upstream call stops, and the listener hears nothing at all, not even a late error
    assertUpstreamCancelled();
    listener.assertSilent();
  }

  @Test
  public void a_failed_stream_ends_in_one_error_through_the_listener() throws Exception {
    for (FailureKind kind : classifiedKinds()) {
      // given
      givenFailure(kind);
      RecordingListener listener = new RecordingListener();
      // when
      stream(request().withStream(true), options(PATIENCE), listener);
      // then
      listener.awaitTerminal();
      assertThat(listener.error).as("the error of a stream failing with %s", kind).isNotNull();
      assertThat(listener.error.kind()).as("classification of %s", kind).isEqualTo(kind);
      assertNoSecret(listener.error);
      listener.assertQuietAfterTerminal();
    }
  }

  @Test
  public void a_stream_that_times_out_ends_in_one_timeout_error() throws Exception {
    // given
    givenNoAnswer();
    RecordingListener listener = new RecordingListener();
    // when
    stream(request().withStream(true), options(shortTimeout()), listener);
    // then
    listener.awaitTerminal();
    assertThat(listener.error).as("the stream's error").isNotNull();
    assertThat(listener.error.kind()).isEqualTo(FailureKind.TIMEOUT);
    listener.assertQuietAfterTerminal();
  }

  @Test
  public void embeds_one_vector_per_input_of_the_size_asked_for() throws Exception {
    // given
    EmbeddingRequest request = embeddingRequest();
    int dimensions = servedEmbeddingModel().embedding().dimensionsFor(request);
    givenEmbeddings(request.inputCount(), dimensions);
    // when
    EmbeddingResponse response = await(embed(request, options(PATIENCE)));
    // then
    assertThat(response.data()).as("vectors").hasSize(request.inputCount());
    assertThat(response.data()).extracting(Embedding::index).as("indexes").doesNotHaveDuplicates()
        .allSatisfy(index -> assertThat(index).isBetween(0, request.inputCount() - 1));
    assertThat(response.data()).allSatisfy(e -> assertThat(e.dimensions()).as("dimensions").isEqualTo(dimensions));
  }

  @Test
  public void an_embeddings_call_classifies_each_failure_kind() throws Exception {
    servedEmbeddingModel();
    for (FailureKind kind : classifiedKinds()) {
      // given
      givenFailure(kind);
      // when
      ProviderException failure = failureOf(embed(embeddingRequest(), options(PATIENCE)));
      // then
      assertThat(failure.kind()).as("classification of %s", kind).isEqualTo(kind);
      assertNoSecret(failure);
      if (kind == FailureKind.RATE_LIMITED) {
        assertThat(failure.retryAfter()).as("retry-after of a 429").isPresent();
      }
    }
  }

  @Test
  public void an_embeddings_call_times_out_with_timeout_kind() throws Exception {
    servedEmbeddingModel();
    // given
    givenNoAnswer();
    // when
    ProviderException failure = failureOf(embed(embeddingRequest(), options(shortTimeout())));
    // then
    assertThat(failure.kind()).isEqualTo(FailureKind.TIMEOUT);
    assertNoSecret(failure);
  }

  @Test
  public void cancelling_an_embeddings_call_cancels_the_upstream_call() throws Exception {
    servedEmbeddingModel();
    // given
    givenNoAnswer();
    long start = System.nanoTime();
    CompletableFuture<EmbeddingResponse> call = embed(embeddingRequest(), options(PATIENCE));
    assertThat(Duration.ofNanos(System.nanoTime() - start)).as("embed(...) returned at once")
        .isLessThan(PATIENCE.dividedBy(2));
    assertThat(call).isNotDone();
    // when
    call.cancel(true);
    // then
    assertThat(call).isCancelled();
    assertUpstreamCancelled();
  }

  /** Fails the test if the secret appears anywhere in the failure or its causes. */
  protected void assertNoSecret(Throwable failure) {
    String secret = apiKey();
    if (secret == null || secret.isEmpty()) {
      return;
    }
    for (Throwable t = failure; t != null; t = t.getCause()) {
      assertThat(String.valueOf(t.getMessage())).doesNotContain(secret);
      assertThat(t.toString()).doesNotContain(secret);
      for (Throwable suppressed : t.getSuppressed()) {
        assertNoSecret(suppressed);
      }
    }
  }

  protected static <T> T await(CompletableFuture<T> future) throws Exception {
    try {
      return future.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw new AssertionError("call failed: " + e.getCause(), e.getCause());
    }
  }

  protected static ProviderException failureOf(CompletableFuture<?> future) throws Exception {
    try {
      Object value = future.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
      return fail("expected a failure, got " + value);
    } catch (ExecutionException | CompletionException e) {
      assertThat(e.getCause()).isInstanceOf(ProviderException.class);
      return (ProviderException) e.getCause();
    } catch (TimeoutException e) {
      return fail("no answer and no failure within " + PATIENCE);
    }
  }

  /** Records a stream and checks that it terminates exactly once, with nothing after. */
  protected static final class RecordingListener implements StreamListener {
    private final List<ChatChunk> chunks = Collections.synchronizedList(new ArrayList<>());
    private final CountDownLatch terminal = new CountDownLatch(1);
    final AtomicInteger completed = new AtomicInteger();
    final AtomicInteger errors = new AtomicInteger();
    final AtomicInteger afterTerminal = new AtomicInteger();
    volatile ProviderException error;

    @Override
    public void onChunk(ChatChunk chunk) {
      if (terminal.getCount() == 0) {
        afterTerminal.incrementAndGet();
      }
      chunks.add(chunk);
    }

    @Override
    public void onComplete() {
      completed.incrementAndGet();
      terminal.countDown();
    }

    @Override
    public void onError(ProviderException failure) {
      error = failure;
      errors.incrementAndGet();
      terminal.countDown();
    }

    public void awaitTerminal() throws InterruptedException {
      assertThat(terminal.await(PATIENCE.toMillis(), TimeUnit.MILLISECONDS)).as("stream ended").isTrue();
    }

    public List<String> texts() {
      List<String> texts = new ArrayList<>();
      synchronized (chunks) {
        for (ChatChunk chunk : chunks) {
          if (!chunk.text().isEmpty()) {
            texts.add(chunk.text());
          }
        }
      }
      return texts;
    }

    public Usage usage() {
      synchronized (chunks) {
        for (int i = chunks.size() - 1; i >= 0; i--) {
          if (chunks.get(i).usage() != null) {
            return chunks.get(i).usage();
          }
        }
      }
      return null;
    }

    /** That this listener heard nothing, now and for {@link #QUIET} more: what a cancelled stream owes it. */
    public void assertSilent() throws InterruptedException {
      for (int check = 0; check < 2; check++) {
        assertThat(chunks).as("chunks after cancel").isEmpty();
        assertThat(completed.get()).as("onComplete after cancel").isZero();
        assertThat(errors.get()).as("onError after cancel (%s)", error).isZero();
        if (check == 0) {
          Thread.sleep(QUIET.toMillis());
        }
      }
    }

    public void assertExactlyOneTerminal() {
      assertThat(completed.get() + errors.get()).as("terminal callbacks (onComplete %d, onError %d)",
          completed.get(), errors.get()).isEqualTo(1);
      assertThat(afterTerminal.get()).as("chunks after the end").isZero();
    }

    /**
     * {@link #assertExactlyOneTerminal} after {@link #QUIET}: a second end (onComplete then
     * onError, or twice either) or a chunk after the end is a broken contract even when it comes
     * late.
     */
    public void assertQuietAfterTerminal() throws InterruptedException {
      assertExactlyOneTerminal();
      Thread.sleep(QUIET.toMillis());
      assertExactlyOneTerminal();
    }
  }
}
