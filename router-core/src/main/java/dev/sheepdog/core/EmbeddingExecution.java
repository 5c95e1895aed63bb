package dev.sheepdog.core;

import dev.sheepdog.spi.CallOptions;
import dev.sheepdog.spi.Candidate;
import dev.sheepdog.spi.Embedding;
import dev.sheepdog.spi.EmbeddingRequest;
import dev.sheepdog.spi.EmbeddingResponse;
import dev.sheepdog.spi.FailureKind;
import dev.sheepdog.spi.Money;
import dev.sheepdog.spi.ProviderException;
import dev.sheepdog.spi.RouteHints;
import dev.sheepdog.spi.RouterException;
import dev.sheepdog.spi.Usage;
import java.util.List;

/**
 * An embeddings request's walk: the models the hints pin, kept to one vector space and size
 * ({@link Fleet#planEmbeddings}); the same admission, limits, circuits, retries, deadline and ledger
 * as a chat request. An answer whose vectors are not one per input, each of the size asked for, is
 * the upstream's fault ({@link FailureKind#MALFORMED_RESPONSE}): another model may do better, and
 * a wrong vector must not reach an index.
 */
final class EmbeddingExecution extends FailoverExecution<RoutedEmbedding> {
  private final EmbeddingRequest request;

  EmbeddingExecution(RoutingContext ctx, EmbeddingRequest request, RouteHints hints, String requestId,
      long[] tokens) {
    super(ctx, hints, requestId, tokens[0], tokens[1], 0);
    this.request = request;
  }

  /**
   * The estimated input tokens of {@code request}: {@code [total, largest input]}. A text counts
   * about four characters a token, a list of token ids its length.
   */
  static long[] estimateTokens(EmbeddingRequest request) {
    long total = 0;
    long largest = 0;
    for (Object input : request.inputs()) {
      long tokens = input instanceof String text ? (text.length() + 3) / 4 : ((List<?>) input).size();
      total += tokens;
      largest = Math.max(largest, tokens);
    }
    return new long[] {total, largest};
  }

  @Override
  List<Candidate> plan() {
    return ctx.fleet.planEmbeddings(request, hints);
  }

  @Override
  void call(ModelHealth model, CallOptions options, AttemptRun attempt) {
    if (attempt.isSettled()) {
      return;
    }
    follow(attempt, ctx.fleet.provider(model).embed(model.spec(), request, options), (run, response) -> {
      ProviderException wrong = wrongShape(model, response);
      if (wrong != null) {
        run.failed(wrong);
      } else {
        run.succeeded(response, response.usage());
      }
    });
  }

  /** Why the answer cannot be used for this request, or {@code null} when it can. */
  private ProviderException wrongShape(ModelHealth model, EmbeddingResponse response) {
    if (response == null) {
      return malformed("the provider answered nothing");
    }
    int inputs = request.inputCount();
    if (response.data().size() != inputs) {
      return malformed(response.data().size() + " vectors for " + inputs + " inputs");
    }
    int dimensions = model.spec().embedding().dimensionsFor(request);
    boolean[] seen = new boolean[inputs];
    for (Embedding embedding : response.data()) {
      if (embedding.index() >= inputs || seen[embedding.index()]) {
        return malformed("vector index " + embedding.index() + " is out of range or repeated");
      }
      seen[embedding.index()] = true;
      if (embedding.dimensions() != dimensions) {
        return malformed("a vector of " + embedding.dimensions() + " dimensions where " + dimensions
            + " were expected");
      }
    }
    return null;
  }

  private static ProviderException malformed(String why) {
    return new ProviderException(FailureKind.MALFORMED_RESPONSE, 0, why);
  }

  @Override
  Usage estimatedUsage(Object payload) {
    return new Usage(estimatedPromptTokens, 0);
  }

  @Override
  RoutedEmbedding succeed(ModelHealth model, Object payload, Money cost) {
    EmbeddingResponse response = (EmbeddingResponse) payload;
    Usage usage = response.usage() == null ? Usage.NONE : response.usage();
    RoutedEmbedding routed = new RoutedEmbedding(requestId, response, model.id(), snapshotTrail(), elapsed(), usage,
        cost);
    emitSucceeded(model, routed.latency(), cost);
    return routed;
  }

  @Override
  void deliverFailure(RouterException failure) {
    // The future already carries it.
  }
}
