package com.example.acme;

import dev.sheepdog.spi.CallOptions;
import dev.sheepdog.spi.ChatChunk;
import dev.sheepdog.spi.ChatProvider;
import dev.sheepdog.spi.ChatRequest;
import dev.sheepdog.spi.ChatResponse;
import dev.sheepdog.spi.FailureKind;
import dev.sheepdog.spi.ModelSpec;
import dev.sheepdog.spi.ProviderException;
import dev.sheepdog.spi.ProviderId;
import dev.sheepdog.spi.StreamHandle;
import dev.sheepdog.spi.StreamListener;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Streams for an upstream that cannot stream: {@code stream} asks {@code complete} for the whole
 * answer and delivers it as one chunk. Cancelling the handle cancels the call.
 */
final class WholeAnswerStreams implements ChatProvider {
  private final ChatProvider provider;

  WholeAnswerStreams(ChatProvider provider) {
    this.provider = provider;
  }

  @Override
  public ProviderId id() {
    return provider.id();
  }

  @Override
  public CompletableFuture<ChatResponse> complete(ModelSpec model, ChatRequest request, CallOptions options) {
    return provider.complete(model, request, options);
  }

  @Override
  public StreamHandle stream(ModelSpec model, ChatRequest request, CallOptions options, StreamListener listener) {
    Object lock = new Object(); // nothing reaches the listener once the handle's cancel() has returned
    CompletableFuture<ChatResponse> answer = provider.complete(model, request.withStream(false), options);
    answer.whenComplete((response, failure) -> {
      synchronized (lock) {
        if (response != null) {
          listener.onChunk(new ChatChunk(response.id(), response.upstreamModel(), response.choices(),
              response.usage(), Map.of()));
          listener.onComplete();
        } else if (!answer.isCancelled()) {
          Throwable cause = failure instanceof CompletionException ? failure.getCause() : failure;
          listener.onError(cause instanceof ProviderException known ? known
              : new ProviderException(FailureKind.UNAVAILABLE, 0, String.valueOf(cause), null, cause));
        }
      }
    });
    return () -> {
      synchronized (lock) {
        answer.cancel(true);
      }
    };
  }
}
