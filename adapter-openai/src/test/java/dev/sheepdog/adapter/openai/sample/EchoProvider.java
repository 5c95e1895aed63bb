package dev.sheepdog.adapter.openai.sample;

import dev.sheepdog.spi.CallOptions;
import dev.sheepdog.spi.ChatChunk;
import dev.sheepdog.spi.ChatMessage;
import dev.sheepdog.spi.ChatProvider;
import dev.sheepdog.spi.ChatRequest;
import dev.sheepdog.spi.ChatResponse;
import dev.sheepdog.spi.FailureKind;
import dev.sheepdog.spi.ModelSpec;
import dev.sheepdog.spi.ProviderException;
import dev.sheepdog.spi.ProviderId;
import dev.sheepdog.spi.StreamHandle;
import dev.sheepdog.spi.StreamListener;
import dev.sheepdog.spi.Usage;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The sample third-party adapter of docs/adapters.md: answers with the last message, after a
 * configurable delay, without blocking the caller. A streamed answer sends one chunk per text
 * part of that message. Small, but it keeps the whole contract.
 */
public final class EchoProvider implements ChatProvider {
  private final ProviderId id;
  private final ScheduledExecutorService timer;
  private volatile long delayMillis;
  private volatile FailureKind nextFailure;
  private volatile Usage usage = Usage.NONE;

  public EchoProvider(String id, ScheduledExecutorService timer) {
    this.id = ProviderId.of(id);
    this.timer = timer;
  }

  public static EchoProvider create(String id) {
    return new EchoProvider(id, Executors.newSingleThreadScheduledExecutor());
  }

  /** Makes the next answers wait; a test's stand-in for a slow upstream. */
  public void delay(long millis) {
    this.delayMillis = millis;
  }

  /** The usage reported with each answer. */
  public void usage(Usage usage) {
    this.usage = usage;
  }

  /** Makes the next call fail with {@code kind}. */
  public void failNext(FailureKind kind) {
    this.nextFailure = kind;
  }

  @Override
  public ProviderId id() {
    return id;
  }

  @Override
  public CompletableFuture<ChatResponse> complete(ModelSpec model, ChatRequest request, CallOptions options) {
    CompletableFuture<ChatResponse> answer = new CompletableFuture<>();
    FailureKind failure = takeFailure();
    String text = echo(request);
    ScheduledFuture<?> reply = timer.schedule(() -> {
      if (failure != null) {
        answer.completeExceptionally(failureOf(failure));
      } else {
        answer.complete(ChatResponse.of("echo-1", model.upstreamName(), text, "stop", usage));
      }
    }, delayMillis, TimeUnit.MILLISECONDS);
    // the per-call timeout, classified as TIMEOUT
    ScheduledFuture<?> timeout = timer.schedule(
        () -> answer.completeExceptionally(new ProviderException(FailureKind.TIMEOUT, 0, "no answer in " + options.timeout())),
        options.timeout().toMillis(), TimeUnit.MILLISECONDS);
    // cancelling the future cancels the "upstream" work
    answer.whenComplete((value, error) -> {
      reply.cancel(false);
      timeout.cancel(false);
    });
    return answer;
  }

  @Override
  public StreamHandle stream(ModelSpec model, ChatRequest request, CallOptions options, StreamListener listener) {
    // set once by whichever comes first: the end, the timeout, or the caller's cancel
    AtomicBoolean ended = new AtomicBoolean();
    FailureKind failure = takeFailure();
    // the per-call timeout, classified as TIMEOUT, ends the stream once
    ScheduledFuture<?> timeout = timer.schedule(() -> {
      if (ended.compareAndSet(false, true)) {
        listener.onError(new ProviderException(FailureKind.TIMEOUT, 0, "no answer in " + options.timeout()));
      }
    }, options.timeout().toMillis(), TimeUnit.MILLISECONDS);
    ScheduledFuture<?> run = timer.schedule(() -> {
      if (failure != null) {
        if (ended.compareAndSet(false, true)) {
          timeout.cancel(false);
          listener.onError(failureOf(failure));
        }
        return;
      }
      for (String part : parts(request)) {
        if (ended.get()) {
          return;
        }
        listener.onChunk(ChatChunk.ofText("echo-1", model.upstreamName(), part, null));
      }
      if (ended.compareAndSet(false, true)) {
        timeout.cancel(false);
        listener.onChunk(new ChatChunk("echo-1", model.upstreamName(), List.of(), usage, Map.of()));
        listener.onComplete();
      }
    }, delayMillis, TimeUnit.MILLISECONDS);
    // cancelling stops the callbacks and the "upstream" work
    return () -> {
      ended.set(true);
      run.cancel(false);
      timeout.cancel(false);
    };
  }

  private FailureKind takeFailure() {
    FailureKind failure = nextFailure;
    nextFailure = null;
    return failure;
  }

  private static ProviderException failureOf(FailureKind kind) {
    return kind == FailureKind.RATE_LIMITED
        ? ProviderException.rateLimited(java.time.Duration.ofSeconds(1), "echo is busy")
        : new ProviderException(kind, 0, "echo failed: " + kind);
  }

  private static String echo(ChatRequest request) {
    return request.messages().get(request.messages().size() - 1).text();
  }

  /** The text parts of the last message, or its whole text when it has no parts. */
  private static List<String> parts(ChatRequest request) {
    ChatMessage last = request.messages().get(request.messages().size() - 1);
    if (last.fields().get("content") instanceof List<?> parts) {
      return parts.stream()
          .filter(p -> p instanceof Map<?, ?> m && "text".equals(m.get("type")))
          .map(p -> String.valueOf(((Map<?, ?>) p).get("text")))
          .toList();
    }
    return List.of(last.text());
  }
}
