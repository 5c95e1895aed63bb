package dev.sheepdog.adapter.sandbox;

import dev.sheepdog.spi.CallOptions;
import dev.sheepdog.spi.ChatChunk;
import dev.sheepdog.spi.ChatProvider;
import dev.sheepdog.spi.ChatRequest;
import dev.sheepdog.spi.ChatResponse;
import dev.sheepdog.spi.EmbeddingRequest;
import dev.sheepdog.spi.EmbeddingResponse;
import dev.sheepdog.spi.FailureKind;
import dev.sheepdog.spi.ModelId;
import dev.sheepdog.spi.ModelSpec;
import dev.sheepdog.spi.ProviderException;
import dev.sheepdog.spi.ProviderId;
import dev.sheepdog.spi.Scheduler;
import dev.sheepdog.spi.StreamHandle;
import dev.sheepdog.spi.StreamListener;
import dev.sheepdog.spi.Ticker;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * A simulated OpenAI-compatible upstream: each model answers with the latency, availability and
 * request limit of its {@link SandboxProfile}, and fails the way its {@link #faults() faults}
 * say. No key, no network.
 *
 * <h2>One call</h2>
 *
 * <ol>
 *   <li>A model without a profile fails with {@link FailureKind#BAD_REQUEST} (404).
 *   <li>The model's random stream draws the call's latency and whether it fails; it draws the same
 *       amount for every call, so given the seed the n-th call to a model always gets the same
 *       draw, whatever faults or limits did to earlier calls.
 *   <li>A fault in force decides first: an outage fails at once with 503, a rate-limit storm with
 *       429 and {@code Retry-After}, a stall never answers, a slowdown multiplies the latency.
 *   <li>Beyond the profile's requests per minute (a sliding minute of real time), the call fails
 *       at once with 429 and a {@code Retry-After} of when the oldest call leaves the window.
 *   <li>A call drawn to fail gets a 503 after a tenth of its latency; the others answer after
 *       their latency. Latencies are multiplied by the time scale; {@code Retry-After} and the
 *       request limit's minute are not.
 *   <li>A call whose latency exceeds {@link CallOptions#timeout()} fails with {@link
 *       FailureKind#TIMEOUT} when the timeout passes.
 * </ol>
 *
 * <p>Streams deliver the answer's chunks, the first after the drawn latency and the rest at the
 * profile's tokens per second, then a chunk with the finish reason and one with the usage.
 *
 * <p>An embeddings call ({@link #embed}, to an embedding model) takes the steps of a complete
 * answer. Its answer is a unit vector per input that depends only on the model's vector space and
 * the input: the same on every run and from every model of that space. A request's {@code
 * dimensions} shortens it as OpenAI's {@code text-embedding-3} models do, to its first values
 * normalized again; {@code encoding_format: base64} sends its float32 values little-endian, as
 * OpenAI does. Usage is the input tokens, estimated.
 *
 * <h2>Concurrency</h2>
 *
 * Everything runs on the injected {@link Scheduler}: calls return at once, and answers, failures
 * and stream chunks are delivered by scheduled tasks. Each model's random stream and request
 * window sit behind that model's lock, held only to draw; faults live in a concurrent map. A
 * stream's state (done, the next task) is guarded by the stream's own lock, which is also held
 * while the listener is called, so a cancel never interleaves with a delivery.
 */
public final class SandboxProvider implements ChatProvider {
  /** The provider id when none is given. */
  public static final String DEFAULT_ID = "sandbox";

  private static final long MINUTE_NANOS = TimeUnit.MINUTES.toNanos(1);

  private final ProviderId id;
  private final long seed;
  private final double timeScale;
  private final Scheduler scheduler;
  private final Ticker ticker;
  private final SandboxAnswers answers;
  private final Map<ModelId, SandboxProfile> profiles;
  private final Map<ModelId, ModelState> models;
  private final SandboxFaults faults;
  private final AtomicLong completions = new AtomicLong();

  private SandboxProvider(Builder builder, Map<ModelId, SandboxProfile> profiles) {
    this.id = builder.id == null ? ProviderId.of(DEFAULT_ID) : builder.id;
    this.seed = builder.seed == null ? 0 : builder.seed;
    this.timeScale = builder.timeScale == null ? 1 : builder.timeScale;
    this.scheduler = builder.scheduler == null ? Scheduler.system() : builder.scheduler;
    this.ticker = builder.ticker != null ? builder.ticker
        : builder.scheduler instanceof Ticker clock ? clock : Ticker.system();
    this.answers = builder.answers == null ? SandboxAnswers.placeholder() : builder.answers;
    this.profiles = Collections.unmodifiableMap(new LinkedHashMap<>(profiles));
    Map<ModelId, ModelState> states = new LinkedHashMap<>();
    profiles.forEach((model, profile) -> states.put(model, new ModelState(profile, streamSeed(seed, model))));
    this.models = Map.copyOf(states);
    this.faults = new SandboxFaults(profiles.keySet());
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A sandbox of the tutorial's models, answering in real time, with seed 0. */
  public static SandboxProvider create() {
    return builder().build();
  }

  @Override
  public ProviderId id() {
    return id;
  }

  /** The faults of this sandbox, to switch on and off at run time. */
  public SandboxFaults faults() {
    return faults;
  }

  /** The profile of each simulated model, in the order given. */
  public Map<ModelId, SandboxProfile> profiles() {
    return profiles;
  }

  public long seed() {
    return seed;
  }

  public double timeScale() {
    return timeScale;
  }

  @Override
  public CompletableFuture<List<String>> listModels() {
    return CompletableFuture.completedFuture(profiles.keySet().stream().map(ModelId::value).toList());
  }

  @Override
  public CompletableFuture<ChatResponse> complete(ModelSpec model, ChatRequest request, CallOptions options) {
    return call(model, options, () -> {
      SandboxAnswer answer = answers.answer(model, request);
      return ChatResponse.of(nextId(), model.upstreamName(), answer.content(), answer.finishReason(), answer.usage());
    });
  }

  /**
   * Embeds the inputs with {@code model}, which must be an embedding model of this sandbox: one
   * call as for {@link #complete}, with the same latency, faults and limits, answered with the
   * vectors described above. A chat model, or {@code dimensions} beyond the model's own, fails at
   * once with {@link FailureKind#BAD_REQUEST} (400), as an upstream refuses them.
   */
  @Override
  public CompletableFuture<EmbeddingResponse> embed(ModelSpec model, EmbeddingRequest request, CallOptions options) {
    if (!model.isEmbedding()) {
      return CompletableFuture.failedFuture(new ProviderException(FailureKind.BAD_REQUEST, 400,
          "the model " + model.id() + " is not an embedding model"));
    }
    int own = model.embedding().dimensions();
    if (request.dimensions() != null && request.dimensions() > own) {
      return CompletableFuture.failedFuture(new ProviderException(FailureKind.BAD_REQUEST, 400,
          "the model " + model.id() + " returns at most " + own + " dimensions, " + request.dimensions()
              + " were asked for"));
    }
    return call(model, options, () -> SandboxEmbeddings.answer(model, request));
  }

  /**
   * One call that is not a stream: planned when it arrives, answered with what {@code answer} writes
   * after the drawn latency, or failed as the plan says; cancelling the future cancels the pending
   * answer, as closing a socket would.
   */
  private <T> CompletableFuture<T> call(ModelSpec model, CallOptions options, Supplier<T> answer) {
    CompletableFuture<T> future = new CompletableFuture<>();
    Plan plan = plan(model, options);
    Runnable outcome;
    long delay;
    if (plan.failure != null) {
      delay = Math.min(plan.delayNanos, plan.timeoutNanos);
      outcome = () -> future.completeExceptionally(plan.failure);
    } else if (plan.delayNanos > plan.timeoutNanos) {
      delay = plan.timeoutNanos;
      outcome = () -> future.completeExceptionally(timeout(model, options));
    } else if (plan.fault == SandboxFault.Kind.BROKEN_STREAM) {
      delay = plan.delayNanos;
      outcome = () -> future.completeExceptionally(new ProviderException(FailureKind.MALFORMED_RESPONSE, 200,
          "the answer of " + model.id() + " was cut short"));
    } else {
      delay = plan.delayNanos;
      outcome = () -> {
        if (future.isDone()) {
          return;
        }
        try {
          future.complete(answer.get());
        } catch (RuntimeException e) {
          future.completeExceptionally(new ProviderException(FailureKind.MALFORMED_RESPONSE, 0,
              "the sandbox could not write an answer: " + e.getClass().getSimpleName(), null, e));
        }
      };
    }
    Scheduler.Cancellable timer = scheduler.schedule(outcome, delay, TimeUnit.NANOSECONDS);
    future.whenComplete((value, failure) -> {
      if (future.isCancelled()) {
        timer.cancel();
      }
    });
    return future;
  }

  @Override
  public StreamHandle stream(ModelSpec model, ChatRequest request, CallOptions options, StreamListener listener) {
    Objects.requireNonNull(listener, "listener");
    Plan plan = plan(model, options);
    StreamCall call = new StreamCall(listener, plan.timeoutNanos);
    if (plan.failure != null) {
      call.scheduleAt(plan.delayNanos, () -> call.fail(plan.failure));
    } else if (plan.delayNanos != Long.MAX_VALUE) {
      call.scheduleAt(plan.delayNanos, () -> call.start(model, request, plan, options));
    } else {
      call.scheduleAt(plan.timeoutNanos, () -> call.fail(timeout(model, options)));
    }
    return call;
  }

  /** What one call will do, decided when it arrives. */
  private record Plan(long delayNanos, ProviderException failure, SandboxFault.Kind fault, double slowdown,
      SandboxProfile profile, long timeoutNanos) {}

  private Plan plan(ModelSpec model, CallOptions options) {
    long timeoutNanos = options.timeout().toNanos();
    ModelState state = models.get(model.id());
    if (state == null) {
      return new Plan(0, new ProviderException(FailureKind.BAD_REQUEST, 404,
          "the model " + model.id() + " does not exist in this sandbox"), null, 1, null, timeoutNanos);
    }
    Draw draw = state.draw();
    SandboxFault fault = faults.current(model.id());
    SandboxFault.Kind kind = fault == null ? null : fault.kind();
    if (kind == SandboxFault.Kind.OUTAGE) {
      return new Plan(0, unavailable(model, "is down (sandbox outage)"), kind, 1, state.profile, timeoutNanos);
    }
    if (kind == SandboxFault.Kind.RATE_LIMIT) {
      return new Plan(0, ProviderException.rateLimited(fault.retryAfter(),
          "rate limit reached for " + model.id() + " (sandbox rate-limit storm)"), kind, 1, state.profile,
          timeoutNanos);
    }
    if (kind == SandboxFault.Kind.STALL) {
      return new Plan(Long.MAX_VALUE, null, kind, 1, state.profile, timeoutNanos);
    }
    long retryAfterNanos = state.admit(ticker.nanoTime());
    if (retryAfterNanos > 0) {
      return new Plan(0, ProviderException.rateLimited(Duration.ofNanos(retryAfterNanos),
          "rate limit of " + state.profile.requestsPerMinute() + " requests per minute reached for " + model.id()),
          kind, 1, state.profile, timeoutNanos);
    }
    double slowdown = kind == SandboxFault.Kind.SLOWDOWN ? fault.factor() : 1;
    long delay = scaled(draw.latencyNanos, slowdown);
    if (draw.fails) {
      long failDelay = delay / 10;
      return new Plan(failDelay, failDelay > timeoutNanos ? timeout(model, options)
          : unavailable(model, "is overloaded (sandbox availability " + state.profile.availability() + ")"),
          kind, slowdown, state.profile, timeoutNanos);
    }
    return new Plan(delay, null, kind, slowdown, state.profile, timeoutNanos);
  }

  private long scaled(double nanos, double slowdown) {
    double scaled = nanos * timeScale * slowdown;
    return scaled >= Long.MAX_VALUE / 2.0 ? Long.MAX_VALUE / 2 : Math.round(scaled);
  }

  private static ProviderException unavailable(ModelSpec model, String what) {
    return new ProviderException(FailureKind.UNAVAILABLE, 503, "the model " + model.id() + " " + what);
  }

  private static ProviderException timeout(ModelSpec model, CallOptions options) {
    return new ProviderException(FailureKind.TIMEOUT, 0,
        "no answer from " + model.id() + " within " + options.timeout().toMillis() + " ms");
  }

  private String nextId() {
    return "chatcmpl-" + id.value() + "-" + completions.incrementAndGet();
  }

  /** A model's stream of random draws from a seed of its own, so models do not disturb each other. */
  private static long streamSeed(long seed, ModelId model) {
    long h = seed * 0x9E3779B97F4A7C15L;
    for (char c : model.value().toCharArray()) {
      h = (h ^ c) * 0xBF58476D1CE4E5B9L;
    }
    return h ^ (h >>> 31);
  }

  private record Draw(long latencyNanos, boolean fails) {}

  /** One model's profile, random stream and request window. */
  private static final class ModelState {
    final SandboxProfile profile;
    private final LatencyModel latency;
    private final SplittableRandom random;
    private final ArrayDeque<Long> window = new ArrayDeque<>();

    ModelState(SandboxProfile profile, long seed) {
      this.profile = profile;
      this.latency = LatencyModel.fit(profile);
      this.random = new SplittableRandom(seed);
    }

    synchronized Draw draw() {
      boolean fails = random.nextDouble() >= profile.availability();
      return new Draw(latency.sampleNanos(random), fails);
    }

    /** Takes a place in the sliding minute; {@code 0}, or how long until a place frees up. */
    synchronized long admit(long nowNanos) {
      long limit = profile.requestsPerMinute();
      if (limit == 0) {
        return 0;
      }
      while (!window.isEmpty() && nowNanos - window.peekFirst() >= MINUTE_NANOS) {
        window.pollFirst();
      }
      if (window.size() >= limit) {
        return Math.max(1, window.peekFirst() + MINUTE_NANOS - nowNanos);
      }
      window.addLast(nowNanos);
      return 0;
    }
  }

  /** One stream in flight: a chain of scheduled deliveries, cut by the timeout or a cancel. */
  private final class StreamCall implements StreamHandle {
    private final StreamListener listener;
    private final long timeoutNanos;
    private long plannedNanos; // guarded by this: the time since the call, of the task scheduled last
    private boolean done; // guarded by this
    private Scheduler.Cancellable pending = Scheduler.Cancellable.DONE; // guarded by this

    StreamCall(StreamListener listener, long timeoutNanos) {
      this.listener = listener;
      this.timeoutNanos = timeoutNanos;
    }

    /** Schedules {@code task} {@code atNanos} after the call began, or the timeout if that is later. */
    synchronized void scheduleAt(long atNanos, Runnable task) {
      if (done) {
        return;
      }
      long delay;
      Runnable next;
      if (atNanos > timeoutNanos) {
        delay = timeoutNanos - plannedNanos;
        next = () -> fail(new ProviderException(FailureKind.TIMEOUT, 0,
            "the stream did not end within " + Duration.ofNanos(timeoutNanos).toMillis() + " ms"));
        plannedNanos = timeoutNanos;
      } else {
        delay = atNanos - plannedNanos;
        next = task;
        plannedNanos = atNanos;
      }
      pending = scheduler.schedule(next, Math.max(0, delay), TimeUnit.NANOSECONDS);
    }

    void start(ModelSpec model, ChatRequest request, Plan plan, CallOptions options) {
      SandboxAnswer answer;
      try {
        answer = answers.answer(model, request);
      } catch (RuntimeException e) {
        fail(new ProviderException(FailureKind.MALFORMED_RESPONSE, 0,
            "the sandbox could not write an answer: " + e.getClass().getSimpleName(), null, e));
        return;
      }
      String id = nextId();
      List<ChatChunk> chunks = new ArrayList<>();
      for (String text : answer.chunks()) {
        chunks.add(ChatChunk.ofText(id, model.upstreamName(), text, null));
      }
      boolean broken = plan.fault == SandboxFault.Kind.BROKEN_STREAM;
      int count = broken ? chunks.size() / 2 : chunks.size();
      double tokensPerChunk = Math.max(1.0, (double) answer.usage().completionTokens() / chunks.size());
      long gap = scaled(tokensPerChunk / plan.profile.tokensPerSecond() * 1e9, plan.slowdown);
      deliver(chunks, 0, count, gap, () -> {
        if (broken) {
          fail(new ProviderException(FailureKind.MALFORMED_RESPONSE, 200,
              "the stream of " + model.id() + " ended without its end marker"));
        } else {
          finish(List.of(ChatChunk.ofText(id, model.upstreamName(), "", answer.finishReason()),
              new ChatChunk(id, model.upstreamName(), List.of(), answer.usage(), Map.of())));
        }
      });
    }

    private void deliver(List<ChatChunk> chunks, int index, int count, long gap, Runnable end) {
      if (index >= count) {
        end.run();
        return;
      }
      if (!emit(chunks.get(index))) {
        return;
      }
      if (index + 1 >= count) {
        end.run();
        return;
      }
      long at;
      synchronized (this) {
        at = plannedNanos + gap;
      }
      scheduleAt(at, () -> deliver(chunks, index + 1, count, gap, end));
    }

    private synchronized boolean emit(ChatChunk chunk) {
      if (done) {
        return false;
      }
      try {
        listener.onChunk(chunk);
        return true;
      } catch (RuntimeException e) {
        // a listener that throws has stopped listening; it hears nothing more
        done = true;
        return false;
      }
    }

    private synchronized void finish(List<ChatChunk> last) {
      for (ChatChunk chunk : last) {
        if (!emit(chunk)) {
          return;
        }
      }
      done = true;
      try {
        listener.onComplete();
      } catch (RuntimeException e) {
        // nothing follows onComplete; the listener's failure is its own
      }
    }

    synchronized void fail(ProviderException failure) {
      if (done) {
        return;
      }
      done = true;
      try {
        listener.onError(failure);
      } catch (RuntimeException e) {
        // nothing follows onError; the listener's failure is its own
      }
    }

    @Override
    public void cancel() {
      Scheduler.Cancellable task;
      synchronized (this) {
        if (done) {
          return;
        }
        done = true;
        task = pending;
      }
      task.cancel();
    }
  }

  /**
   * Builds a {@link SandboxProvider}. Each setting may be given once. Without profiles the sandbox
   * simulates {@link SandboxProfiles#tutorial()}; {@link #profile} adds or overrides one model.
   */
  public static final class Builder {
    private ProviderId id;
    private Long seed;
    private Double timeScale;
    private Scheduler scheduler;
    private Ticker ticker;
    private SandboxAnswers answers;
    private Map<ModelId, SandboxProfile> profiles;
    private final Map<ModelId, SandboxProfile> overrides = new LinkedHashMap<>();

    private Builder() {}

    /** The provider id models name; {@value #DEFAULT_ID} by default. */
    public Builder id(String id) {
      return id(ProviderId.of(id));
    }

    public Builder id(ProviderId id) {
      once(this.id, "id");
      this.id = Objects.requireNonNull(id, "id");
      return this;
    }

    /** The seed of every model's random stream; {@code 0} by default. */
    public Builder seed(long seed) {
      once(this.seed, "seed");
      this.seed = seed;
      return this;
    }

    /**
     * Multiplies every latency: {@code 0.05} makes an 850 ms model answer in about 42 ms, {@code 0}
     * answers at once. {@code 1} by default.
     */
    public Builder timeScale(double timeScale) {
      once(this.timeScale, "time_scale");
      if (!(timeScale >= 0) || Double.isInfinite(timeScale)) {
        throw new IllegalArgumentException("time_scale must be a finite number of at least 0, was " + timeScale);
      }
      this.timeScale = timeScale;
      return this;
    }

    /** Runs the simulated answers; {@link Scheduler#system()} by default. */
    public Builder scheduler(Scheduler scheduler) {
      once(this.scheduler, "scheduler");
      this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
      return this;
    }

    /**
     * Times the request limit's sliding minute; the scheduler when it is a {@link Ticker}, else
     * {@link Ticker#system()}.
     */
    public Builder ticker(Ticker ticker) {
      once(this.ticker, "ticker");
      this.ticker = Objects.requireNonNull(ticker, "ticker");
      return this;
    }

    /** Both the scheduler and the ticker, such as a test's {@code ManualTicker}. */
    public <T extends Ticker & Scheduler> Builder clock(T clock) {
      return scheduler(clock).ticker(clock);
    }

    /** Writes the answers; {@link SandboxAnswers#placeholder()} by default. */
    public Builder answers(SandboxAnswers answers) {
      once(this.answers, "answers");
      this.answers = Objects.requireNonNull(answers, "answers");
      return this;
    }

    /** The simulated models and their profiles, replacing the tutorial's. */
    public Builder profiles(Map<ModelId, SandboxProfile> profiles) {
      once(this.profiles, "profiles");
      Objects.requireNonNull(profiles, "profiles");
      profiles.forEach((model, profile) -> {
        Objects.requireNonNull(model, "model id in profiles");
        Objects.requireNonNull(profile, "profile of " + model);
      });
      this.profiles = new LinkedHashMap<>(profiles);
      return this;
    }

    /** Adds a simulated model, or overrides the profile of one. */
    public Builder profile(String model, SandboxProfile profile) {
      return profile(ModelId.of(model), profile);
    }

    public Builder profile(ModelId model, SandboxProfile profile) {
      Objects.requireNonNull(model, "model");
      if (overrides.containsKey(model)) {
        throw new IllegalStateException("the profile of " + model + " is given twice");
      }
      overrides.put(model, Objects.requireNonNull(profile, "profile of " + model));
      return this;
    }

    public SandboxProvider build() {
      Map<ModelId, SandboxProfile> all = new LinkedHashMap<>(profiles == null ? SandboxProfiles.tutorial() : profiles);
      all.putAll(overrides);
      if (all.isEmpty()) {
        throw new IllegalStateException("profiles must name at least one model");
      }
      return new SandboxProvider(this, all);
    }

    private static void once(Object current, String setting) {
      if (current != null) {
        throw new IllegalStateException(setting + " is given twice");
      }
    }
  }
}
