package dev.sheepdog.benchmarks;

import dev.sheepdog.adapter.holysheep.HolySheep;
import dev.sheepdog.spi.CallOptions;
import dev.sheepdog.spi.ChatChunk;
import dev.sheepdog.spi.ChatProvider;
import dev.sheepdog.spi.ChatRequest;
import dev.sheepdog.spi.ChatResponse;
import dev.sheepdog.spi.FailureKind;
import dev.sheepdog.spi.ModelId;
import dev.sheepdog.spi.ModelSpec;
import dev.sheepdog.spi.ProviderException;
import dev.sheepdog.spi.ProviderId;
import dev.sheepdog.spi.StreamHandle;
import dev.sheepdog.spi.StreamListener;
import dev.sheepdog.spi.Usage;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * A provider that answers at once from prebuilt values, so that what a benchmark measures is the
 * router's own work: complete calls return an already-completed future, streams emit their chunks
 * on the caller's thread. Models in {@code failing} fail with {@link FailureKind#UNAVAILABLE}
 * every time.
 *
 * <p>A {@linkplain #deferred() deferred} provider answers as a real one does instead: {@code
 * complete} returns a future still pending, which {@link #answerPending()} completes afterwards
 * (on the benchmark's thread, with no time in between), so the router's path for an answer that
 * arrives later — a callback registered, the attempt's timer armed and cancelled — is measured.
 */
final class InstantProvider implements ChatProvider {
  private static final ProviderId ID = ProviderId.of(HolySheep.PROVIDER_ID);

  private final Set<ModelId> failing;
  private final CompletableFuture<ChatResponse> answer;
  private final CompletableFuture<ChatResponse> failure;
  private final ProviderException unavailable;
  private final ChatChunk[] chunks;
  private final boolean deferred;
  private CompletableFuture<ChatResponse> pending;

  InstantProvider() {
    this(Set.of(), 0);
  }

  InstantProvider(Set<ModelId> failing, int streamChunks) {
    this(failing, streamChunks, false);
  }

  private InstantProvider(Set<ModelId> failing, int streamChunks, boolean deferred) {
    this.deferred = deferred;
    this.failing = Set.copyOf(failing);
    this.answer = CompletableFuture.completedFuture(
        ChatResponse.of("chatcmpl-bench", "bench", "Paris.", "stop", new Usage(12, 3)));
    this.unavailable = new ProviderException(FailureKind.UNAVAILABLE, 503, "upstream unavailable");
    this.failure = CompletableFuture.failedFuture(unavailable);
    this.chunks = new ChatChunk[streamChunks];
    for (int i = 0; i < streamChunks; i++) {
      chunks[i] = ChatChunk.ofText("chatcmpl-bench", "bench", "tok" + i + " ", i == streamChunks - 1 ? "stop" : null);
    }
  }

  /** A provider whose answers arrive after {@code complete} returned; see {@link #answerPending()}. */
  static InstantProvider deferred() {
    return new InstantProvider(Set.of(), 0, true);
  }

  /** Completes the call a deferred provider left pending; one thread at a time. */
  void answerPending() {
    CompletableFuture<ChatResponse> call = pending;
    pending = null;
    call.complete(answer.join());
  }

  /** The one failure every failing call shares; the router must not pile state onto it. */
  ProviderException unavailable() {
    return unavailable;
  }

  @Override
  public ProviderId id() {
    return ID;
  }

  @Override
  public CompletableFuture<ChatResponse> complete(ModelSpec model, ChatRequest request, CallOptions options) {
    if (failing.contains(model.id())) {
      return failure;
    }
    if (deferred) {
      pending = new CompletableFuture<>();
      return pending;
    }
    return answer;
  }

  @Override
  public StreamHandle stream(ModelSpec model, ChatRequest request, CallOptions options, StreamListener listener) {
    if (failing.contains(model.id())) {
      listener.onError(unavailable);
      return StreamHandle.NOOP;
    }
    for (ChatChunk chunk : chunks) {
      listener.onChunk(chunk);
    }
    listener.onComplete();
    return StreamHandle.NOOP;
  }
}
