package dev.sheepdog.testkit;

import dev.sheepdog.spi.CallOptions;
import dev.sheepdog.spi.ChatChunk;
import dev.sheepdog.spi.ChatProvider;
import dev.sheepdog.spi.ChatRequest;
import dev.sheepdog.spi.ChatResponse;
import dev.sheepdog.spi.Choice;
import dev.sheepdog.spi.FailureKind;
import dev.sheepdog.spi.ModelId;
import dev.sheepdog.spi.ModelSpec;
import dev.sheepdog.spi.ProviderException;
import dev.sheepdog.spi.ProviderId;
import dev.sheepdog.spi.Scheduler;
import dev.sheepdog.spi.StreamHandle;
import dev.sheepdog.spi.StreamListener;
import dev.sheepdog.spi.TokenEstimator;
import dev.sheepdog.spi.Usage;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * A {@link ChatProvider} that plays scripted {@link Outcome}s per model: deterministic failures,
 * latencies, hangs, rate limits and streams, for tests of the router and of users' policies.
 *
 * <pre>{@code
 * ScriptedProvider provider = ScriptedProvider.create("holysheep", ticker);
 * provider.model("gpt-4.1").then(Outcome.fail(FailureKind.UNAVAILABLE, 503)).thenAlways(Outcome.ok());
 * }</pre>
 *
 * <p>Each model plays its queued outcomes in order, then its "always" outcome (by default {@link
 * Outcome#ok()}). Delays run on the given {@link Scheduler} — a {@link ManualTicker} in tests.
 * Timeouts from {@link CallOptions} are honoured (a late call fails with {@code TIMEOUT}) unless
 * {@link #ignoreTimeouts()} was called, which makes a provider that misbehaves. Thread-safe; every
 * call is recorded.
 */
public final class ScriptedProvider implements ChatProvider {
  private final ProviderId id;
  private final Scheduler scheduler;
  private final Map<ModelId, ModelScript> scripts = new ConcurrentHashMap<>();
  private final Queue<Call> calls = new ConcurrentLinkedQueue<>();
  private final AtomicInteger sequence = new AtomicInteger();
  private volatile boolean honourTimeouts = true;

  private ScriptedProvider(ProviderId id, Scheduler scheduler) {
    this.id = id;
    this.scheduler = scheduler;
  }

  public static ScriptedProvider create(String id, Scheduler scheduler) {
    return new ScriptedProvider(ProviderId.of(id), scheduler);
  }

  /** The script of one model; created on first use. */
  public ModelScript model(String model) {
    return model(ModelId.of(model));
  }

  public ModelScript model(ModelId model) {
    return scripts.computeIfAbsent(model, m -> new ModelScript());
  }

  /** Makes calls ignore their timeout, like a provider that hangs past it. */
  public ScriptedProvider ignoreTimeouts() {
    honourTimeouts = false;
    return this;
  }

  @Override
  public ProviderId id() {
    return id;
  }

  @Override
  public CompletableFuture<ChatResponse> complete(ModelSpec model, ChatRequest request, CallOptions options) {
    Outcome outcome = model(model.id()).next();
    Call call = record(model, request, options, outcome, false);
    CompletableFuture<ChatResponse> future = new CompletableFuture<>();
    future.whenComplete((r, e) -> {
      if (future.isCancelled()) {
        call.cancelled.set(true);
      }
    });
    switch (outcome.type) {
      case OK:
      case STREAM:
        later(outcome.latency, () -> {
          ChatResponse answer = answer(model, request, outcome, call.number);
          // billed once the answer is handed over, before the caller's callbacks run
          call.billed = answer.usage();
          if (!future.complete(answer)) {
            call.billed = null;
          }
        });
        break;
      case FAIL:
        later(outcome.latency, () -> future.completeExceptionally(failure(outcome)));
        break;
      default:
        break;
    }
    if (honourTimeouts) {
      Scheduler.Cancellable timeout = scheduler.schedule(
          () -> future.completeExceptionally(ProviderException.of(FailureKind.TIMEOUT, "no answer within " + options.timeout())),
          options.timeout().toNanos(), TimeUnit.NANOSECONDS);
      future.whenComplete((r, e) -> timeout.cancel());
    }
    return future;
  }

  @Override
  public StreamHandle stream(ModelSpec model, ChatRequest request, CallOptions options, StreamListener listener) {
    Outcome outcome = model(model.id()).next();
    Call call = record(model, request, options, outcome, true);
    StreamRun run = new StreamRun(model, request, outcome, call, listener);
    if (honourTimeouts) {
      run.timeout = scheduler.schedule(
          () -> run.fail(ProviderException.of(FailureKind.TIMEOUT, "no end within " + options.timeout())),
          options.timeout().toNanos(), TimeUnit.NANOSECONDS);
    }
    run.start();
    return run::cancel;
  }

  /** Every call so far, in order. */
  public List<Call> calls() {
    return List.copyOf(calls);
  }

  public long callCount(String model) {
    ModelId id = ModelId.of(model);
    return calls.stream().filter(c -> c.model().equals(id)).count();
  }

  public long cancelledCount() {
    return calls.stream().filter(Call::wasCancelled).count();
  }

  private Call record(ModelSpec model, ChatRequest request, CallOptions options, Outcome outcome, boolean stream) {
    Call call = new Call(sequence.incrementAndGet(), model.id(), request, options, outcome, stream);
    calls.add(call);
    return call;
  }

  private void later(java.time.Duration delay, Runnable task) {
    if (delay.isZero()) {
      task.run();
    } else {
      scheduler.schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS);
    }
  }

  private static ChatResponse answer(ModelSpec model, ChatRequest request, Outcome outcome, int number) {
    return ChatResponse.of("scripted-" + number, model.upstreamName(), outcome.content, "stop",
        outcome.usage == Outcome.UNREPORTED ? null : usage(request, outcome));
  }

  private static Usage usage(ChatRequest request, Outcome outcome) {
    if (outcome.usage != null) {
      return outcome.usage;
    }
    return new Usage(TokenEstimator.CHARS_PER_TOKEN.estimatePromptTokens(request), (outcome.content.length() + 3) / 4);
  }

  private static ProviderException failure(Outcome outcome) {
    return new ProviderException(outcome.kind, outcome.httpStatus, "scripted " + outcome, outcome.retryAfter, null);
  }

  /** Plays a stream outcome; terminates the listener exactly once. */
  private final class StreamRun {
    private final ModelSpec model;
    private final ChatRequest request;
    private final Outcome outcome;
    private final Call call;
    private final StreamListener listener;
    private final AtomicBoolean done = new AtomicBoolean();
    private volatile Scheduler.Cancellable pending = Scheduler.Cancellable.DONE;
    volatile Scheduler.Cancellable timeout = Scheduler.Cancellable.DONE;

    StreamRun(ModelSpec model, ChatRequest request, Outcome outcome, Call call, StreamListener listener) {
      this.model = model;
      this.request = request;
      this.outcome = outcome;
      this.call = call;
      this.listener = listener;
    }

    void start() {
      switch (outcome.type) {
        case FAIL:
          step(outcome.latency, () -> fail(failure(outcome)));
          break;
        case HANG:
          break;
        default:
          List<String> chunks = outcome.chunks != null ? outcome.chunks : List.of(outcome.content.split("(?<= )"));
          step(outcome.latency, () -> emit(chunks, 0));
      }
    }

    private void emit(List<String> chunks, int index) {
      if (done.get()) {
        return;
      }
      if (index == outcome.failAfterChunks) {
        fail(ProviderException.of(outcome.kind, "stream cut after " + index + " chunks"));
        return;
      }
      if (index == chunks.size()) {
        String id = "scripted-" + call.number;
        Usage total = usage(request, outcome);
        listener.onChunk(ChatChunk.ofText(id, model.upstreamName(), "", "stop"));
        if (outcome.usage != Outcome.UNREPORTED) {
          call.billed = total;
          listener.onChunk(new ChatChunk(id, model.upstreamName(), List.of(), total, Map.of()));
        }
        if (done.compareAndSet(false, true)) {
          timeout.cancel();
          listener.onComplete();
        }
        return;
      }
      String id = "scripted-" + call.number;
      if (outcome.runningUsage) {
        Usage total = usage(request, outcome);
        Usage soFar = new Usage(total.promptTokens(), total.completionTokens() * (index + 1) / chunks.size());
        call.billed = soFar;
        Choice text = ChatChunk.ofText(id, model.upstreamName(), chunks.get(index), null).choices().get(0);
        listener.onChunk(new ChatChunk(id, model.upstreamName(), List.of(text), soFar, Map.of()));
      } else {
        listener.onChunk(ChatChunk.ofText(id, model.upstreamName(), chunks.get(index), null));
      }
      step(outcome.interChunk, () -> emit(chunks, index + 1));
    }

    private void step(java.time.Duration delay, Runnable task) {
      if (delay.isZero()) {
        task.run();
      } else {
        pending = scheduler.schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS);
      }
    }

    void fail(ProviderException failure) {
      if (done.compareAndSet(false, true)) {
        pending.cancel();
        timeout.cancel();
        listener.onError(failure);
      }
    }

    void cancel() {
      if (done.compareAndSet(false, true)) {
        call.cancelled.set(true);
        pending.cancel();
        timeout.cancel();
      }
    }
  }

  /** The outcomes one model plays. */
  public static final class ModelScript {
    private final Queue<Outcome> queued = new ConcurrentLinkedQueue<>();
    private volatile Supplier<Outcome> always = Outcome::ok;

    private ModelScript() {}

    /** Queues outcomes, played once each, in order. */
    public ModelScript then(Outcome... outcomes) {
      queued.addAll(List.of(outcomes));
      return this;
    }

    /** Queues {@code outcome} {@code times} times. */
    public ModelScript times(int times, Outcome outcome) {
      for (int i = 0; i < times; i++) {
        queued.add(outcome);
      }
      return this;
    }

    /** What the model does once the queue is empty. */
    public ModelScript thenAlways(Outcome outcome) {
      always = () -> outcome;
      return this;
    }

    /** What the model does once the queue is empty, decided per call (a seeded random mix, say). */
    public ModelScript thenFrom(Supplier<Outcome> outcomes) {
      always = outcomes;
      return this;
    }

    Outcome next() {
      Outcome next = queued.poll();
      return next != null ? next : always.get();
    }
  }

  /** One recorded call. */
  public static final class Call {
    private final int number;
    private final ModelId model;
    private final ChatRequest request;
    private final CallOptions options;
    private final Outcome outcome;
    private final boolean stream;
    final AtomicBoolean cancelled = new AtomicBoolean();
    /** The usage reported to the caller so far: what the provider bills for this call. */
    volatile Usage billed;

    Call(int number, ModelId model, ChatRequest request, CallOptions options, Outcome outcome, boolean stream) {
      this.number = number;
      this.model = model;
      this.request = request;
      this.options = options;
      this.outcome = outcome;
      this.stream = stream;
    }

    public int number() { return number; }
    public ModelId model() { return model; }
    public ChatRequest request() { return request; }
    public CallOptions options() { return options; }
    public Outcome outcome() { return outcome; }
    public boolean isStream() { return stream; }
    public boolean wasCancelled() { return cancelled.get(); }

    /**
     * What the call billed: the usage of an answer handed over, or the last usage a stream reported
     * (with its final chunk, or with every chunk for {@link Outcome#withRunningUsage()}); {@link
     * Usage#NONE} for a call that failed, hung or was cancelled before reporting any.
     */
    public Usage billed() {
      Usage usage = billed;
      return usage == null ? Usage.NONE : usage;
    }

    @Override
    public String toString() {
      return "#" + number + " " + model + " " + outcome + (cancelled.get() ? " (cancelled)" : "");
    }
  }
}
