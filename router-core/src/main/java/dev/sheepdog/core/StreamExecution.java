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
import java.util.concurrent.atomic.AtomicReference;

/**
 * A streamed request. Failover is allowed until the first chunk reaches the caller; from then on
 * the stream is committed to its model, and any failure of that model — a refusal included — ends
 * it with a {@link StreamInterruptedException} that counts the chunks delivered.
 *
 * <p>A committed stream that ends without its final usage (cut, cancelled by its caller, stopped by
 * the deadline) is still charged: the provider billed the prompt and the text it sent. The charge
 * is the last usage the provider reported, else an estimate: the prompt estimate and the delivered
 * text at four characters a token (at least a token a chunk). The limiter's reservation is
 * corrected to it rather than given back.
 *
 * <h2>Concurrency</h2>
 *
 * Chunks come from a provider's I/O thread while timers, the deadline and the caller's cancel run
 * elsewhere. Every call to the caller's listener goes through {@link #deliver}, under one lock
 * and after a check that the stream has not ended and its end is not claimed, so the listener
 * never hears two things at once, never a chunk after its end, and never two ends; a cancel that
 * loses to an end already claimed leaves that end to be heard. The first chunk commits the stream only
 * if it wins {@code commitStream()} against the attempt timer; a chunk that loses is dropped.
 * Whatever the listener throws is contained: the stream is cancelled, the provider's thread is
 * not disturbed.
 */
final class StreamExecution extends ChatExecution<RoutedStreamResult> implements RoutedStream {
  private final RoutedStreamListener listener;
  private final Object listenerLock = new Object();
  private boolean terminated;
  private volatile AttemptRun committedTo;
  /** Written by the committed attempt's provider thread only. */
  private volatile int delivered;
  private volatile long deliveredChars;
  private volatile long firstChunkNanos;
  /** The usage the committed attempt's provider reported last, if any. */
  private volatile Usage reportedUsage;

  StreamExecution(RoutingContext ctx, ChatRequest request, RouteHints hints, String requestId,
      RoutedStreamListener listener) {
    super(ctx, request.withStream(true), hints, requestId);
    this.listener = listener;
  }

  @Override
  public String requestId() {
    return requestId;
  }

  @Override
  public void cancel() {
    // wins the request's end unless it is decided already; from then on deliver() stays silent,
    // and ending the request cancels the calls in flight
    future.cancel(false);
  }

  @Override
  void call(ModelHealth model, CallOptions options, AttemptRun attempt) {
    AtomicReference<StreamHandle> handle = new AtomicReference<>();
    StreamListener upstream = new StreamListener() {
      private Usage usage;

      @Override
      public void onChunk(ChatChunk chunk) {
        if (chunk.usage() != null) {
          usage = chunk.usage();
          if (committedTo == attempt) {
            reportedUsage = usage;
          }
        }
        if (committedTo != attempt) {
          if (committedTo != null || !attempt.commitStream()) {
            return;
          }
          committedTo = attempt;
          reportedUsage = usage;
          firstChunkNanos = ctx.ticker.nanoTime();
          model.recordFirstChunk(firstChunkNanos - attempt.startedNanos);
          if (!deliver(() -> listener.onStart(model.id(), attempt.number))) {
            return;
          }
        }
        if (!deliver(() -> listener.onChunk(model.id(), chunk))) {
          return;
        }
        delivered++;
        deliveredChars += chunk.text().length();
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
    // The handle arrives after stream() returns; a cancel that comes first is applied on arrival.
    attempt.cancelCall = () -> {
      StreamHandle h = handle.getAndSet(StreamHandle.NOOP);
      if (h != null) {
        h.cancel();
      }
    };
    if (attempt.isSettled()) {
      return; // the request ended since the attempt was published: no call
    }
    StreamHandle started = ctx.fleet.provider(model).stream(model.spec(), request, options, upstream);
    if (!handle.compareAndSet(null, started)) {
      started.cancel();
    }
  }

  @Override
  void recordSuccessLatency(ModelHealth model, long latencyNanos) {
    model.recordStreamSuccess(latencyNanos);
  }

  @Override
  boolean committed(AttemptRun attempt) {
    return committedTo == attempt;
  }

  @Override
  RouterException interrupted(AttemptRun attempt, ProviderException failure) {
    return new StreamInterruptedException(requestId, attempt.model.id(), failure.kind(), delivered,
        failure.providerMessage(), snapshotTrail());
  }

  @Override
  Usage billedOnFailure(AttemptRun attempt) {
    if (committedTo != attempt) {
      return null;
    }
    Usage usage = reportedUsage;
    return usage != null ? usage : estimatedUsage(null);
  }

  @Override
  Usage estimatedUsage(Object payload) {
    return new Usage(estimatedPromptTokens, Math.max(delivered, (deliveredChars + 3) / 4));
  }

  @Override
  RoutedStreamResult succeed(ModelHealth model, Object payload, Money cost) {
    Usage usage = payload == null ? Usage.NONE : (Usage) payload;
    long first = firstChunkNanos;
    RoutedStreamResult done = new RoutedStreamResult(requestId, model.id(), snapshotTrail(), elapsed(),
        first == 0 ? elapsed() : Duration.ofNanos(first - startNanos), usage, cost);
    if (ctx.listening()) {
      ctx.emit(new RouterEvent.RequestSucceeded(requestId, model.id(), attempts(), done.latency(), cost));
    }
    deliverTerminal(() -> listener.onComplete(done));
    return done;
  }

  @Override
  void deliverFailure(RouterException failure) {
    deliverTerminal(() -> listener.onError(failure));
  }

  /**
   * Calls the listener unless the stream has ended or its end is claimed; {@code false} if so, or
   * if the listener threw. Only the winner of the claim speaks after it ({@link #deliverTerminal}).
   */
  private boolean deliver(Runnable call) {
    synchronized (listenerLock) {
      if (terminated || !running()) {
        return false;
      }
      try {
        call.run();
        return true;
      } catch (RuntimeException e) {
        terminated = true;
      }
    }
    // a listener that throws has given up on the stream
    future.cancel(false);
    return false;
  }

  private void deliverTerminal(Runnable call) {
    synchronized (listenerLock) {
      if (terminated) {
        return;
      }
      terminated = true;
      try {
        call.run();
      } catch (RuntimeException e) {
        // contained: the listener's own failure must not reach a provider's thread
      }
    }
  }
}
