package dev.sheepdog.core;

import dev.sheepdog.spi.Candidate;
import dev.sheepdog.spi.ChatRequest;
import dev.sheepdog.spi.RouteHints;
import java.util.List;

/**
 * A chat request's walk: planned by the selection strategy (or the models the hints pin), sized by
 * the token estimator, and deferred when it fails everywhere.
 */
abstract class ChatExecution<T> extends FailoverExecution<T> {
  final ChatRequest request;

  ChatExecution(RoutingContext ctx, ChatRequest request, RouteHints hints, String requestId) {
    this(ctx, request, hints, requestId, ctx.estimator.estimatePromptTokens(request));
  }

  private ChatExecution(RoutingContext ctx, ChatRequest request, RouteHints hints, String requestId,
      long promptTokens) {
    super(ctx, hints, requestId, promptTokens, promptTokens, request.expectedOutputTokens());
    this.request = request;
  }

  @Override
  final List<Candidate> plan() {
    return ctx.fleet.plan(request, hints, estimatedPromptTokens);
  }

  @Override
  final AllModelsFailedException deferred(AllModelsFailedException failure) {
    return ctx.defer(this, request, failure);
  }
}
