package dev.sheepdog.spi;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * One upstream that answers chat completions: an OpenAI-compatible endpoint, a local server, a
 * sandbox, a test double.
 *
 * <h2>Contract</h2>
 *
 * <ul>
 *   <li>Never block the caller: return at once and complete later on your own threads.
 *   <li>Fail with a {@link ProviderException} whose {@link FailureKind} says what happened,
 *       classified once, here; the router never inspects HTTP status codes or messages.
 *   <li>Honour {@link CallOptions#timeout()}: fail with {@link FailureKind#TIMEOUT} when it passes.
 *   <li>Cancelling the returned future (or the {@link StreamHandle}) cancels the call upstream.
 *   <li>Report {@link Usage} when the upstream reports it.
 *   <li>Never put an API key in an exception, a log line or a response.
 * </ul>
 *
 * {@code router-testkit}'s {@code ChatProviderContractTest} checks all of this for any
 * implementation.
 */
public interface ChatProvider {
  /** The id this provider is registered under; models name it in {@link ModelSpec#provider()}. */
  ProviderId id();

  /** Asks {@code model} for one complete answer. */
  CompletableFuture<ChatResponse> complete(ModelSpec model, ChatRequest request, CallOptions options);

  /** Asks {@code model} for a streamed answer, delivered to {@code listener}. */
  StreamHandle stream(ModelSpec model, ChatRequest request, CallOptions options, StreamListener listener);

  /** The model names the upstream serves, when it can list them. */
  default CompletableFuture<List<String>> listModels() {
    return CompletableFuture.failedFuture(
        new UnsupportedOperationException(id() + " cannot list its models"));
  }

  /**
   * Embeds the request's inputs with {@code model}, one of the catalog's embedding models ({@link
   * ModelSpec#embedding()}). The same contract as {@link #complete}: never blocks, fails with a
   * {@link ProviderException}, and cancelling the future cancels the call. A provider without
   * embeddings keeps this default, which fails {@link FailureKind#BAD_REQUEST}.
   */
  default CompletableFuture<EmbeddingResponse> embed(ModelSpec model, EmbeddingRequest request, CallOptions options) {
    return CompletableFuture.failedFuture(new ProviderException(FailureKind.BAD_REQUEST, 0,
        "provider " + id() + " does not serve embeddings"));
  }
}
