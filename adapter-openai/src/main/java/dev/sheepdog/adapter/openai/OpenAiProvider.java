package dev.sheepdog.adapter.openai;

import dev.sheepdog.adapter.openai.internal.ChatCompletionCodec;
import dev.sheepdog.adapter.openai.internal.EndpointHeaders;
import dev.sheepdog.adapter.openai.internal.FailureClassifier;
import dev.sheepdog.adapter.openai.internal.OpenAiApi;
import dev.sheepdog.adapter.openai.internal.SseStreamBridge;
import dev.sheepdog.adapter.openai.internal.TimeoutHeartbeat;
import dev.sheepdog.spi.CallOptions;
import dev.sheepdog.spi.ChatProvider;
import dev.sheepdog.spi.ChatRequest;
import dev.sheepdog.spi.ChatResponse;
import dev.sheepdog.spi.FailureKind;
import dev.sheepdog.spi.ModelSpec;
import dev.sheepdog.spi.ProviderException;
import dev.sheepdog.spi.ProviderId;
import dev.sheepdog.spi.StreamHandle;
import dev.sheepdog.spi.StreamListener;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiFunction;
import jakarta.inject.Inject;
import okhttp3.ConnectionPool;
import okhttp3.Dispatcher;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.ResponseBody;
import okhttp3.sse.EventSource;
import okhttp3.sse.EventSources;
import okio.Buffer;
import okio.ByteString;
import retrofit2.Call;
import retrofit2.Callback;
import retrofit2.Response;
import retrofit2.Retrofit;

/**
 * A {@link ChatProvider} for any server that speaks the OpenAI chat-completions API: OpenAI,
 * HolySheep, DeepSeek, vLLM, Ollama, LiteLLM, …
 *
 * <pre>{@code
 * OpenAiProvider openai = OpenAiProvider.builder()
 *     .id("openai")
 *     .baseUrl("https://api.openai.com/v1")
 *     .apiKey(System.getenv("OPENAI_API_KEY"))
 *     .build();
 * }</pre>
 *
 * <p>Calls are asynchronous ({@code enqueue}), so no caller thread waits on the network. Each
 * provider owns an OkHttp client whose dispatcher allows {@value OpenAiConfig#DEFAULT_MAX_REQUESTS}
 * calls to one host at once (OkHttp's own default, 5, would queue a gateway's traffic), unless it
 * was given a client to share. Every failure is classified here, once; see {@code
 * docs/adapters.md} for the table.
 */
public final class OpenAiProvider implements ChatProvider, AutoCloseable {
  private static final MediaType JSON = MediaType.get("application/json; charset=utf-8");

  private final OpenAiConfig config;
  private final OkHttpClient client;
  private final OpenAiApi api;
  private final HttpUrl chatCompletionsUrl;
  private final FailureClassifier classifier;
  private final AtomicBoolean closed = new AtomicBoolean();

  @Inject
  OpenAiProvider(OpenAiConfig config) {
    this(config, Clock.systemUTC());
  }

  OpenAiProvider(OpenAiConfig config, Clock clock) {
    this.config = config;
    this.client = client(config);
    this.api = new Retrofit.Builder().baseUrl(config.baseUrl()).client(client).build().create(OpenAiApi.class);
    this.chatCompletionsUrl = Objects.requireNonNull(config.baseUrl().resolve("chat/completions"));
    List<String> otherConfigured = new ArrayList<>(config.headers().values());
    config.organization().ifPresent(otherConfigured::add);
    config.project().ifPresent(otherConfigured::add);
    this.classifier = new FailureClassifier(config.apiKey().orElse(null), otherConfigured,
        config.defaultRetryAfter(), config.maxRetryAfter(), clock);
    // fewer wake-ups of Okio's timeout thread per call; released by close()
    TimeoutHeartbeat.acquire();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A provider for {@code config}, with its own client unless the config names one to share. */
  public static OpenAiProvider create(OpenAiConfig config) {
    return new OpenAiProvider(Objects.requireNonNull(config, "config"));
  }

  private static OkHttpClient client(OpenAiConfig config) {
    OkHttpClient.Builder builder = config.sharedClient()
        .map(OkHttpClient::newBuilder)
        .orElseGet(() -> {
          Dispatcher dispatcher = new Dispatcher();
          dispatcher.setMaxRequests(config.maxRequests());
          dispatcher.setMaxRequestsPerHost(config.maxRequestsPerHost());
          return new OkHttpClient.Builder()
              .dispatcher(dispatcher)
              .connectionPool(new ConnectionPool(
                  config.maxIdleConnections(), config.keepAlive().toMillis(), TimeUnit.MILLISECONDS));
        });
    return builder
        .connectTimeout(config.connectTimeout())
        .readTimeout(config.readTimeout())
        .writeTimeout(config.writeTimeout())
        // failover is the router's job; a silent retry here would hide failures from it
        .retryOnConnectionFailure(false)
        .addInterceptor(new EndpointHeaders(
            config.apiKey().orElse(null),
            config.organization().orElse(null),
            config.project().orElse(null),
            config.headers()))
        .build();
  }

  @Override
  public ProviderId id() {
    return config.id();
  }

  public OpenAiConfig config() {
    return config;
  }

  @Override
  public CompletableFuture<ChatResponse> complete(ModelSpec model, ChatRequest request, CallOptions options) {
    RequestBody body;
    try {
      body = RequestBody.create(ChatCompletionCodec.requestBytes(model, request, false), JSON);
    } catch (IllegalArgumentException e) {
      return CompletableFuture.failedFuture(new ProviderException(FailureKind.BAD_REQUEST, 0, e.getMessage()));
    }
    Call<ResponseBody> call = api.chatCompletions(body, options.requestId());
    return enqueue(call, options.timeout(), this::readAnswer);
  }

  @Override
  public StreamHandle stream(ModelSpec model, ChatRequest request, CallOptions options, StreamListener listener) {
    ByteString json;
    try {
      json = ChatCompletionCodec.requestBytes(model, request, true);
    } catch (IllegalArgumentException e) {
      listener.onError(new ProviderException(FailureKind.BAD_REQUEST, 0, e.getMessage()));
      return StreamHandle.NOOP;
    }
    Request httpRequest = new Request.Builder()
        .url(chatCompletionsUrl)
        .header("Accept", "text/event-stream")
        .header("X-Request-Id", options.requestId())
        .post(RequestBody.create(json, JSON))
        .build();
    // shares the dispatcher and pool; OkHttp lifts the call timeout once the stream's headers
    // arrive, after which the read timeout bounds each silence between events
    OkHttpClient timed = client.newBuilder().callTimeout(options.timeout()).build();
    SseStreamBridge bridge = new SseStreamBridge(listener, classifier);
    EventSource source = EventSources.createFactory(timed).newEventSource(httpRequest, bridge);
    bridge.attach(source);
    return bridge;
  }

  @Override
  public CompletableFuture<List<String>> listModels() {
    return enqueue(api.models(), config.readTimeout().plus(config.connectTimeout()), (status, bytes) ->
        ChatCompletionCodec.decodeModelIds(ChatCompletionCodec.parse(bytes, status), status));
  }

  private <T> CompletableFuture<T> enqueue(
      Call<ResponseBody> call, Duration timeout, BiFunction<Integer, Buffer, T> reader) {
    CompletableFuture<T> future = new CompletableFuture<>();
    call.timeout().timeout(timeout.toNanos(), TimeUnit.NANOSECONDS);
    future.whenComplete((value, failure) -> {
      if (failure instanceof CancellationException) {
        call.cancel();
      }
    });
    call.enqueue(new Callback<>() {
      @Override
      public void onResponse(Call<ResponseBody> call, Response<ResponseBody> response) {
        try {
          future.complete(read(response, reader));
        } catch (ProviderException e) {
          // the codec's failures describe what the upstream sent
          future.completeExceptionally(classifier.scrubbed(e));
        } catch (IOException | RuntimeException e) {
          future.completeExceptionally(classifier.fromTransport(e, future.isCancelled()));
        }
      }

      @Override
      public void onFailure(Call<ResponseBody> call, Throwable failure) {
        future.completeExceptionally(classifier.fromTransport(failure, future.isCancelled()));
      }
    });
    return future;
  }

  private <T> T read(Response<ResponseBody> response, BiFunction<Integer, Buffer, T> reader) throws IOException {
    int status = response.code();
    if (!response.isSuccessful()) {
      try (ResponseBody error = response.errorBody()) {
        throw classifier.fromHttp(status, response.headers(), error == null ? "" : error.string());
      }
    }
    Buffer bytes = new Buffer();
    try (ResponseBody body = response.body()) {
      if (body != null) {
        // read whole first, so a connection lost mid-body stays a transport failure, not bad JSON
        body.source().readAll(bytes);
      }
    }
    return reader.apply(status, bytes);
  }

  private ChatResponse readAnswer(int status, Buffer bytes) {
    Map<String, Object> json = ChatCompletionCodec.map(ChatCompletionCodec.parse(bytes, status), "answer", status);
    if (json.get("error") != null && json.get("choices") == null) {
      // some compatible servers report failures with a 200 and an error object
      throw classifier.fromErrorObject(status, json.get("error"));
    }
    return ChatCompletionCodec.decodeResponse(json, status);
  }

  /** Releases the client's threads and idle connections, unless the client was shared. */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      TimeoutHeartbeat.release();
    }
    if (config.sharedClient().isEmpty()) {
      client.dispatcher().executorService().shutdown();
      client.connectionPool().evictAll();
    }
  }

  @Override
  public String toString() {
    return "OpenAiProvider{" + config.id() + " at " + config.baseUrl() + '}';
  }

  /**
   * Configures an {@link OpenAiProvider}. Not thread-safe; each setting may be given once, and a
   * second time is rejected with its name, so two config sources cannot silently overwrite each
   * other.
   */
  public static final class Builder {
    ProviderId id;
    HttpUrl baseUrl;
    String apiKey;
    String organization;
    String project;
    final Map<String, String> headers = new LinkedHashMap<>();
    Duration connectTimeout;
    Duration readTimeout;
    Duration writeTimeout;
    int maxRequests;
    int maxRequestsPerHost;
    int maxIdleConnections;
    Duration keepAlive;
    Duration defaultRetryAfter;
    Duration maxRetryAfter;
    OkHttpClient sharedClient;

    private Builder() {}

    /** The provider id models name; defaults to {@code openai}. */
    public Builder id(String id) {
      once(this.id, "id");
      this.id = ProviderId.of(id);
      return this;
    }

    /** The API root, such as {@code https://api.openai.com/v1}; required, http or https. */
    public Builder baseUrl(String baseUrl) {
      once(this.baseUrl, "baseUrl");
      Objects.requireNonNull(baseUrl, "baseUrl must not be null");
      HttpUrl parsed = HttpUrl.parse(baseUrl.strip());
      if (parsed == null) {
        throw new IllegalArgumentException("baseUrl must be an http or https URL, was '" + baseUrl + "'");
      }
      this.baseUrl = parsed.toString().endsWith("/") ? parsed : HttpUrl.get(parsed + "/");
      return this;
    }

    /** Sent as {@code Authorization: Bearer …}; optional for local servers that need none. */
    public Builder apiKey(String apiKey) {
      once(this.apiKey, "apiKey");
      Objects.requireNonNull(apiKey, "apiKey must not be null (omit it for servers that need none)");
      if (apiKey.isBlank()) {
        throw new IllegalArgumentException("apiKey must not be blank");
      }
      this.apiKey = apiKey.strip();
      return this;
    }

    /** Sent as {@code OpenAI-Organization}. */
    public Builder organization(String organization) {
      once(this.organization, "organization");
      this.organization = notBlank(organization, "organization");
      return this;
    }

    /** Sent as {@code OpenAI-Project}. */
    public Builder project(String project) {
      once(this.project, "project");
      this.project = notBlank(project, "project");
      return this;
    }

    /** An extra header on every call, such as a proxy's routing header. */
    public Builder header(String name, String value) {
      notBlank(name, "header name");
      Objects.requireNonNull(value, () -> "value of header " + name + " must not be null");
      if (headers.keySet().stream().anyMatch(name::equalsIgnoreCase)) {
        throw new IllegalStateException("header " + name + " is already set");
      }
      if (name.equalsIgnoreCase("Authorization")) {
        throw new IllegalArgumentException("set the Authorization header with apiKey(…), not header(…)");
      }
      headers.put(name, value);
      return this;
    }

    /** Defaults to {@link OpenAiConfig#DEFAULT_CONNECT_TIMEOUT} (10 s). */
    public Builder connectTimeout(Duration timeout) {
      once(connectTimeout, "connectTimeout");
      connectTimeout = positive(timeout, "connectTimeout");
      return this;
    }

    /** The longest silence while reading a reply; defaults to 60 s. */
    public Builder readTimeout(Duration timeout) {
      once(readTimeout, "readTimeout");
      readTimeout = positive(timeout, "readTimeout");
      return this;
    }

    /** The longest stall while sending a request; defaults to 60 s. */
    public Builder writeTimeout(Duration timeout) {
      once(writeTimeout, "writeTimeout");
      writeTimeout = positive(timeout, "writeTimeout");
      return this;
    }

    /** Calls in flight at once, in all; defaults to 256. Ignored with a shared client. */
    public Builder maxRequests(int maxRequests) {
      once(this.maxRequests == 0 ? null : this.maxRequests, "maxRequests");
      this.maxRequests = atLeastOne(maxRequests, "maxRequests");
      return this;
    }

    /** Calls in flight at once to one host; defaults to 256. Ignored with a shared client. */
    public Builder maxRequestsPerHost(int maxRequestsPerHost) {
      once(this.maxRequestsPerHost == 0 ? null : this.maxRequestsPerHost, "maxRequestsPerHost");
      this.maxRequestsPerHost = atLeastOne(maxRequestsPerHost, "maxRequestsPerHost");
      return this;
    }

    /** Idle connections kept for reuse; defaults to 64. Ignored with a shared client. */
    public Builder maxIdleConnections(int maxIdleConnections) {
      once(this.maxIdleConnections == 0 ? null : this.maxIdleConnections, "maxIdleConnections");
      this.maxIdleConnections = atLeastOne(maxIdleConnections, "maxIdleConnections");
      return this;
    }

    /** How long an idle connection is kept; defaults to 5 minutes. Ignored with a shared client. */
    public Builder keepAlive(Duration keepAlive) {
      once(this.keepAlive, "keepAlive");
      this.keepAlive = positive(keepAlive, "keepAlive");
      return this;
    }

    /** The wait reported for a 429 that names none; defaults to 1 s. */
    public Builder defaultRetryAfter(Duration wait) {
      once(defaultRetryAfter, "defaultRetryAfter");
      defaultRetryAfter = positive(wait, "defaultRetryAfter");
      return this;
    }

    /** The longest wait a 429 may ask for; longer ones are cut to it. Defaults to 60 s. */
    public Builder maxRetryAfter(Duration wait) {
      once(maxRetryAfter, "maxRetryAfter");
      maxRetryAfter = positive(wait, "maxRetryAfter");
      return this;
    }

    /**
     * A client whose dispatcher and connection pool this provider shares; the provider derives
     * its own client from it (timeouts, headers) and leaves the shared one untouched.
     */
    public Builder client(OkHttpClient client) {
      once(sharedClient, "client");
      sharedClient = Objects.requireNonNull(client, "client must not be null");
      return this;
    }

    /** The settings, for {@link OpenAiModule} or for {@link OpenAiProvider#create}. */
    public OpenAiConfig buildConfig() {
      if (baseUrl == null) {
        throw new IllegalStateException("baseUrl is required, such as https://api.openai.com/v1");
      }
      if (defaultRetryAfter != null && maxRetryAfter != null && defaultRetryAfter.compareTo(maxRetryAfter) > 0) {
        throw new IllegalStateException("defaultRetryAfter " + defaultRetryAfter + " exceeds maxRetryAfter " + maxRetryAfter);
      }
      Builder b = copyWithDefaults();
      return new OpenAiConfig(b);
    }

    public OpenAiProvider build() {
      return new OpenAiProvider(buildConfig());
    }

    private Builder copyWithDefaults() {
      Builder b = new Builder();
      b.id = id == null ? ProviderId.of("openai") : id;
      b.baseUrl = baseUrl;
      b.apiKey = apiKey;
      b.organization = organization;
      b.project = project;
      b.headers.putAll(headers);
      b.connectTimeout = or(connectTimeout, OpenAiConfig.DEFAULT_CONNECT_TIMEOUT);
      b.readTimeout = or(readTimeout, OpenAiConfig.DEFAULT_READ_TIMEOUT);
      b.writeTimeout = or(writeTimeout, OpenAiConfig.DEFAULT_WRITE_TIMEOUT);
      b.maxRequests = maxRequests == 0 ? OpenAiConfig.DEFAULT_MAX_REQUESTS : maxRequests;
      b.maxRequestsPerHost = maxRequestsPerHost == 0 ? OpenAiConfig.DEFAULT_MAX_REQUESTS : maxRequestsPerHost;
      b.maxIdleConnections = maxIdleConnections == 0 ? OpenAiConfig.DEFAULT_MAX_IDLE_CONNECTIONS : maxIdleConnections;
      b.keepAlive = or(keepAlive, OpenAiConfig.DEFAULT_KEEP_ALIVE);
      b.defaultRetryAfter = or(defaultRetryAfter, OpenAiConfig.DEFAULT_RETRY_AFTER);
      b.maxRetryAfter = or(maxRetryAfter, OpenAiConfig.DEFAULT_MAX_RETRY_AFTER);
      if (b.defaultRetryAfter.compareTo(b.maxRetryAfter) > 0) {
        b.defaultRetryAfter = b.maxRetryAfter;
      }
      b.sharedClient = sharedClient;
      return b;
    }

    private static <T> T or(T value, T fallback) {
      return value == null ? fallback : value;
    }

    private static void once(Object current, String setting) {
      if (current != null) {
        throw new IllegalStateException(setting + " is already set");
      }
    }

    private static String notBlank(String value, String setting) {
      Objects.requireNonNull(value, () -> setting + " must not be null");
      if (value.isBlank()) {
        throw new IllegalArgumentException(setting + " must not be blank");
      }
      return value;
    }

    private static Duration positive(Duration value, String setting) {
      Objects.requireNonNull(value, () -> setting + " must not be null");
      if (value.isNegative() || value.isZero()) {
        throw new IllegalArgumentException(setting + " must be positive, was " + value);
      }
      return value;
    }

    private static int atLeastOne(int value, String setting) {
      if (value < 1) {
        throw new IllegalArgumentException(setting + " must be at least 1, was " + value);
      }
      return value;
    }
  }
}
