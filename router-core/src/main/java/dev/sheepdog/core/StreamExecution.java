package dev.sheepdog.core;

import dev.sheepdog.spi.CallOptions;
import dev.sheepdog.spi.ChatChunk;
import dev.sheepdog.spi.ChatRequest;
import dev.sheepdog.spi.Money;
import dev.sheepdog.spi.ProviderException;
import dev.sheepdog.spi.RouteHints;
import dev.sheepdog.spi.RouterEvent;
import dev.sheepdog.spi.RouterException;
import dev.sheepdog.spi.StreamHandle;
import dev.sheepdog.spi.StreamListener;
import dev.sheepdog.spi.Usage;
import java.time.Duration;

/**
 * A streamed request. Failover is allowed until the first chunk reaches the caller; from then on
 * the stream is committed to its model and a failure ends it with a {@link
 * StreamInterruptedException}.
 */
final class StreamExecution extends RouteExecution<RoutedStreamResult> implements RoutedStream {
  private final RoutedStreamListener listener;
  private volatile boolean committed;
  private volatile int delivered;
  private volatile long firstChunkNanos;
  private volatile StreamHandle handle = StreamHandle.NOOP;
  private final java.util.concurrent.atomic.AtomicBoolean terminated = new java.util.concurrent.atomic.AtomicBoolean();

  StreamExecution(Router router, ChatRequest request, RouteHints hints, String requestId,
      RoutedStreamListener listener) {
    super(router, request.withStream(true), hints, requestId);
    this.listener = listener;
  }

  @Override
  public String requestId() {
    return requestId;
  }

  @Override
  public void cancel() {
    terminated.set(true);
    result.cancel(false);
    handle.cancel();
  }

  @Override
  void call(ModelHealth model, CallOptions options, AttemptRun attempt) {
    StreamListener upstream = new StreamListener() {
      private Usage usage;

      @Override
      public void onChunk(ChatChunk chunk) {
        if (attempt.isSettled() || result.isDone()) {
          return;
        }
        if (chunk.usage() != null) {
          usage = chunk.usage();
        }
        if (!committed) {
          committed = true;
          firstChunkNanos = router.ticker.nanoTime();
          attempt.stopTimer();
          model.recordFirstChunk(firstChunkNanos - attempt.startedNanos);
        }
        delivered++;
        listener.onChunk(model.id(), chunk);
      }

      @Override
      public void onComplete() {
        attempt.succeeded(usage, usage);
      }

      @Override
      public void onError(ProviderException failure) {
        attempt.failed(failure);
      }
    };
    attempt.cancelCall = () -> handle.cancel();
    handle = router.provider(model).stream(model.spec(), request, options, upstream);
  }

  @Override
  void recordSuccessLatency(ModelHealth model, long latencyNanos) {
    model.recordStreamSuccess(latencyNanos);
  }

  @Override
  void afterFailure(AttemptRun attempt, ProviderException failure) {
    if (committed) {
      fail(new StreamInterruptedException(requestId, attempt.model.id(), failure.kind(), delivered,
          failure.providerMessage(), snapshotTrail()));
    } else {
      super.afterFailure(attempt, failure);
    }
  }

  @Override
  RoutedStreamResult succeed(ModelHealth model, Object payload, Money cost) {
    Usage usage = payload == null ? Usage.NONE : (Usage) payload;
    long first = firstChunkNanos;
    RoutedStreamResult done = new RoutedStreamResult(requestId, model.id(), snapshotTrail(), elapsed(),
        first == 0 ? elapsed() : Duration.ofNanos(first - startNanos), usage, cost);
    router.emit(() -> new RouterEvent.RequestSucceeded(requestId, model.id(), attempts(), done.latency(), cost));
    if (!result.isDone() && terminated.compareAndSet(false, true)) {
      listener.onComplete(done);
    }
    return done;
  }

  @Override
  void deliverFailure(RouterException failure) {
    handle.cancel();
    if (terminated.compareAndSet(false, true)) {
      listener.onError(failure);
    }
  }
}
