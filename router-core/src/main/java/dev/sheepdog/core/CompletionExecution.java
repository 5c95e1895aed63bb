package dev.sheepdog.core;

import dev.sheepdog.spi.CallOptions;
import dev.sheepdog.spi.ChatRequest;
import dev.sheepdog.spi.ChatResponse;
import dev.sheepdog.spi.FailureKind;
import dev.sheepdog.spi.Money;
import dev.sheepdog.spi.ProviderException;
import dev.sheepdog.spi.RouteHints;
import dev.sheepdog.spi.RouterException;
import dev.sheepdog.spi.Usage;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;

/** A request answered in one piece. */
final class CompletionExecution extends ChatExecution<RoutedResponse> {
  CompletionExecution(RoutingContext ctx, ChatRequest request, RouteHints hints, String requestId) {
    super(ctx, request, hints, requestId);
  }

  @Override
  void call(ModelHealth model, CallOptions options, AttemptRun attempt) {
    if (attempt.isSettled()) {
      return; // the request ended since the attempt was published: no call
    }
    follow(attempt, ctx.fleet.provider(model).complete(model.spec(), request, options),
        CompletionExecution::answered);
  }

  private static void answered(AttemptRun attempt, ChatResponse response) {
    if (response == null) {
      attempt.failed(new ProviderException(FailureKind.MALFORMED_RESPONSE, 0, "the provider answered nothing"));
    } else {
      attempt.succeeded(response, response.usage());
    }
  }

  @Override
  HedgingConfig hedging() {
    return ctx.hedgingFor(hints.task());
  }

  @Override
  Usage estimatedUsage(Object payload) {
    long chars = 0;
    for (dev.sheepdog.spi.Choice choice : ((ChatResponse) payload).choices()) {
      chars += choice.message().text().length();
    }
    return new Usage(estimatedPromptTokens, (chars + 3) / 4);
  }

  @Override
  RoutedResponse succeed(ModelHealth model, Object payload, Money cost) {
    ChatResponse response = (ChatResponse) payload;
    Usage usage = response.usage() == null ? Usage.NONE : response.usage();
    RoutedResponse routed = new RoutedResponse(requestId, response, model.id(), snapshotTrail(), elapsed(), usage,
        cost);
    emitSucceeded(model, routed.latency(), cost);
    return routed;
  }

  @Override
  void deliverFailure(RouterException failure) {
    // The future already carries it.
  }

  static ProviderException classify(Throwable error) {
    Throwable cause = error;
    while (cause instanceof CompletionException && cause.getCause() != null) {
      cause = cause.getCause();
    }
    if (cause instanceof ProviderException providerException) {
      return providerException;
    }
    if (cause instanceof CancellationException) {
      return new ProviderException(FailureKind.CANCELLED, 0, "the call was cancelled");
    }
    // A provider that breaks the contract by failing with something else: treat it as down.
    // The cause is not kept: a third-party client's exception may quote a URL or a header with a key.
    return new ProviderException(FailureKind.UNAVAILABLE, 0, "provider failed with " + cause.getClass().getName());
  }
}
