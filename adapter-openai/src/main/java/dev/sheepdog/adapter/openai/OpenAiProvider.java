package dev.sheepdog.adapter.openai;

import dev.sheepdog.adapter.openai.internal.CallPermits;
import dev.sheepdog.adapter.openai.internal.EndpointHeaders;
import dev.sheepdog.adapter.openai.internal.FailureClassifier;
import dev.sheepdog.adapter.openai.internal.JettyClients;
import dev.sheepdog.adapter.openai.internal.JettyTransport;
import dev.sheepdog.adapter.openai.internal.OkHttpTransport;
import dev.sheepdog.adapter.openai.internal.OpenAiApi;
import dev.sheepdog.adapter.openai.internal.Replies;
import dev.sheepdog.adapter.openai.internal.ResponseTooLargeException;
import dev.sheepdog.adapter.openai.internal.SseStreamBridge;
import dev.sheepdog.adapter.openai.internal.UpstreamTransport;
import dev.sheepdog.spi.CallOptions;
import dev.sheepdog.spi.ChatProvider;
import dev.sheepdog.spi.ChatRequest;
import dev.sheepdog.spi.ChatResponse;
import dev.sheepdog.spi.EmbeddingRequest;
import dev.sheepdog.spi.EmbeddingResponse;
import dev.sheepdog.spi.FailureKind;
import dev.sheepdog.spi.ModelSpec;
import dev.sheepdog.spi.ProviderException;
import dev.sheepdog.spi.ProviderId;
import dev.sheepdog.spi.StreamHandle;
import dev.sheepdog.spi.StreamListener;
import dev.sheepdog.wire.openai.ChatRequestFormat;
import dev.sheepdog.wire.openai.EmbeddingFormat;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;
import java.util.function.BiFunction;
import java.util.function.Supplier;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.RequestBody;
import okhttp3.ResponseBody;
import okio.Buffer;
import okio.BufferedSource;
import okio.ByteString;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.http.HttpVersion;
import retrofit2.Call;
import retrofit2.Callback;
import retrofit2.Response;
import retrofit2.Retrofit;

/**
 * A {@link ChatProvider} for any server that speaks the OpenAI chat-completions API: OpenAI,
 * HolySheep, DeepSeek, vLLM, Ollama, LiteLLM, … Embedding models are served through the same
 * API's {@code embeddings} endpoint.
 *
 * <pre>{@code
 * OpenAiProvider openai = OpenAiProvider.builder()
 *     .id("openai")
 *     .baseUrl("https://api.openai.com/v1")
 *     .apiKey(System.getenv("OPENAI_API_KEY"))
 *     .build();
 * }</pre>
 *
 * <p>Calls never block the caller, and by default no thread waits on the network either: the
 * provider runs on a Jetty {@link HttpClient} (its own, or one given with {@link
 * Builder#httpClient}), where a call in flight or an open stream holds no thread, so thousands
 * can be pending at once on a bounded pool. JSON calls go through Retrofit's {@code OpenAiApi} on
 * that client; streams are read with demand, chunk by chunk. An embedder who gives an OkHttp
 * client ({@link Builder#client}) gets OkHttp's transport instead, with the same protocol code.
 *
 * <p>Calls in flight are capped explicitly ({@link OpenAiConfig#maxRequests()}, {@link
 * OpenAiConfig#maxRequestsPerHost()}): a call past a cap fails at once with {@link
 * FailureKind#OVERLOADED}, and is never queued. Every failure is classified here, once; see
 * {@code docs/adapters.md} for the table.
 */
public final class OpenAiProvider implements ChatProvider, AutoCloseable {
  private static final MediaType JSON = MediaType.get("application/json; charset=utf-8");
  private static final String USER_AGENT = "sheepdog/" + version();
  /** Threads of a provider's own client; {@link SharedHttpClient} puts several providers on one pool. */
  static final int OWN_CLIENT_MAX_THREADS = 16;

  private final OpenAiConfig config;
  private final UpstreamTransport transport;
  private final OpenAiApi api;
  private final HttpUrl chatCompletionsUrl;
  private final FailureClassifier classifier;
  private final CallPermits permits;
  private final AtomicBoolean closed = new AtomicBoolean();

  @Inject
  OpenAiProvider(OpenAiConfig config) {
    this(config, Clock.systemUTC());
  }

  OpenAiProvider(OpenAiConfig config, Clock clock) {
    this.config = config;
    this.chatCompletionsUrl = Objects.requireNonNull(config.baseUrl().resolve("chat/completions"));
    List<String> otherConfigured = new ArrayList<>(config.headers().values());
    config.organization().ifPresent(otherConfigured::add);
    config.project().ifPresent(otherConfigured::add);
    this.classifier = new FailureClassifier(config.apiKey().orElse(null), otherConfigured,
        config.defaultRetryAfter(), config.maxRetryAfter(), clock);
    this.transport = transport(config);
    this.api = new Retrofit.Builder().baseUrl(config.baseUrl()).callFactory(transport.callFactory()).build()
        .create(OpenAiApi.class);
    HttpUrl base = config.baseUrl();
    this.permits = CallPermits.of(transport.client(), config.id().value(),
        base.scheme() + "://" + base.host() + ":" + base.port(), config.maxRequests(), config.maxRequestsPerHost());
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A provider for {@code config}, with its own client unless the config names one to share. */
  public static OpenAiProvider create(OpenAiConfig config) {
    return new OpenAiProvider(Objects.requireNonNull(config, "config"));
  }

  private static UpstreamTransport transport(OpenAiConfig config) {
    EndpointHeaders headers = new EndpointHeaders(
        config.apiKey().orElse(null),
        config.organization().orElse(null),
        config.project().orElse(null),
        config.headers());
    if (config.sharedClient().isPresent()) {
      return new OkHttpTransport(config.sharedClient().get(), headers, config.connectTimeout(),
          config.readTimeout(), config.writeTimeout());
    }
    HttpUrl base = config.baseUrl();
    HttpClient client = config.sharedHttpClient().orElseGet(() -> JettyClients.start(
        "sheepdog-" + config.id().value(), OWN_CLIENT_MAX_THREADS, config.connectTimeout(), config.keepAlive(),
        config.maxConnectionsPerHost()));
    boolean owned = config.sharedHttpClient().isEmpty();
    JettyClients.register(client, base.scheme(), base.host(), base.port(), config.maxConnectionsPerHost(),
        config.keepAlive());
    HttpVersion version = switch (config.httpVersion()) {
      case AUTO -> null;
      case HTTP_1_1 -> HttpVersion.HTTP_1_1;
      case HTTP_2 -> HttpVersion.HTTP_2;
    };
    return new JettyTransport(client, owned, headers.headers(), USER_AGENT, config.connectTimeout(),
        config.readTimeout(), version, OpenAiConfig.MAX_RESPONSE_BYTES);
  }

  private static String version() {
    try (InputStream in = OpenAiProvider.class.getResourceAsStream("version.properties")) {
      Properties properties = new Properties();
      if (in != null) {
        properties.load(in);
      }
      String version = properties.getProperty("version", "");
      return version.isBlank() || version.startsWith("${") ? "dev" : version;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public ProviderId id() {
    return config.id();
  }

  public OpenAiConfig config() {
    return config;
  }

  /** Calls of this provider in flight now, streams included; never above {@code maxRequests}. */
  public int callsInFlight() {
    return permits.inFlight();
  }

  /**
   * The call's extra headers ({@link CallOptions#headers()}, a {@code traceparent} for one), without
   * those the provider sets itself: credentials, the body's type, the request id.
   */
  private static java.util.Map<String, String> extraHeaders(CallOptions options) {
    java.util.Map<String, String> headers = options.headers();
    if (headers.isEmpty()) {
      return headers;
    }
    java.util.Map<String, String> kept = new java.util.LinkedHashMap<>();
    headers.forEach((name, value) -> {
      if (!OWN_HEADERS.contains(name.toLowerCase(java.util.Locale.ROOT))) {
        kept.put(name, value);
      }
    });
    return kept;
  }

  private static final java.util.Set<String> OWN_HEADERS = java.util.Set.of("authorization", "proxy-authorization",
      "content-type", "content-length", "accept", "host", "x-request-id", "user-agent");

  @Override
  public CompletableFuture<ChatResponse> complete(ModelSpec model, ChatRequest request, CallOptions options) {
    return post(() -> ChatRequestFormat.encode(model.upstreamName(), request, false), api::chatCompletions, options,
        this::readAnswer);
  }

  /** Posts the request to {@code embeddings}, as {@link #complete} posts to {@code chat/completions}. */
  @Override
  public CompletableFuture<EmbeddingResponse> embed(ModelSpec model, EmbeddingRequest request, CallOptions options) {
    return post(() -> EmbeddingFormat.encode(model.upstreamName(), request), api::embeddings, options,
        this::readEmbeddings);
  }

  /** One of {@link OpenAiApi}'s JSON posts. */
  @FunctionalInterface
  private interface JsonPost {
    Call<ResponseBody> call(RequestBody body, String requestId, Map<String, String> headers);
  }

  /**
   * Encodes a body, takes a permit and posts the body to {@code endpoint} with the call's request id
   * and extra headers, within its timeout; the reply is read by {@code reader}. A body that cannot
   * be encoded fails with {@link FailureKind#BAD_REQUEST} before anything is sent.
   */
  private <T> CompletableFuture<T> post(Supplier<ByteString> encoding, JsonPost endpoint, CallOptions options,
      BiFunction<Integer, Buffer, T> reader) {
    RequestBody body;
    try {
      body = RequestBody.create(encoding.get(), JSON);
    } catch (IllegalArgumentException e) {
      return CompletableFuture.failedFuture(new ProviderException(FailureKind.BAD_REQUEST, 0, e.getMessage()));
    }
    ProviderException refused = permits.tryAcquire();
    if (refused != null) {
      return CompletableFuture.failedFuture(refused);
    }
    Call<ResponseBody> call = endpoint.call(body, options.requestId(), extraHeaders(options));
    return enqueue(call, options.timeout(), reader);
  }

  @Override
  public StreamHandle stream(ModelSpec model, ChatRequest request, CallOptions options, StreamListener listener) {
    ByteString json;
    try {
      json = ChatRequestFormat.encode(model.upstreamName(), request, true);
    } catch (IllegalArgumentException e) {
      listener.onError(new ProviderException(FailureKind.BAD_REQUEST, 0, e.getMessage()));
      return StreamHandle.NOOP;
    }
    ProviderException refused = permits.tryAcquire();
    if (refused != null) {
      listener.onError(refused);
      return StreamHandle.NOOP;
    }
    SseStreamBridge bridge = new SseStreamBridge(listener, classifier, OpenAiConfig.MAX_EVENT_BYTES, permits::release);
    try {
      transport.stream(chatCompletionsUrl, json, options.requestId(), extraHeaders(options), options.timeout(),
          bridge);
    } catch (RuntimeException e) {
      // a client that is stopped or refuses the request outright
      bridge.onTransportFailure(e);
    }
    return bridge;
  }

  @Override
  public CompletableFuture<List<String>> listModels() {
    ProviderException refused = permits.tryAcquire();
    if (refused != null) {
      return CompletableFuture.failedFuture(refused);
    }
    return enqueue(api.models(), config.readTimeout().plus(config.connectTimeout()), Replies::modelIds);
  }

  /**
   * Runs an admitted call. Its permit is released before the returned future completes, so a caller
   * that starts another call from the completion finds it free; or, when the caller cancels, as the
   * future is cancelled.
   */
  private <T> CompletableFuture<T> enqueue(
      Call<ResponseBody> call, Duration timeout, BiFunction<Integer, Buffer, T> reader) {
    CompletableFuture<T> future = new CompletableFuture<>();
    AtomicBoolean released = new AtomicBoolean();
    Runnable release = () -> {
      if (released.compareAndSet(false, true)) {
        permits.release();
      }
    };
    // the permit is free before the caller hears the end
    BiConsumer<T, Throwable> settle = (value, failure) -> {
      release.run();
      if (failure == null) {
        future.complete(value);
      } else {
        future.completeExceptionally(failure);
      }
    };
    future.whenComplete((value, failure) -> {
      release.run();
      if (failure instanceof CancellationException) {
        call.cancel();
      }
    });
    try {
      call.timeout().timeout(timeout.toNanos(), TimeUnit.NANOSECONDS);
      call.enqueue(new Callback<>() {
        @Override
        public void onResponse(Call<ResponseBody> call, Response<ResponseBody> response) {
          try {
            settle.accept(read(response, reader), null);
          } catch (ProviderException e) {
            // the codec's failures describe what the upstream sent
            settle.accept(null, classifier.scrubbed(e));
          } catch (IOException | RuntimeException e) {
            settle.accept(null, classifier.fromTransport(e, future.isCancelled()));
          }
        }

        @Override
        public void onFailure(Call<ResponseBody> call, Throwable failure) {
          settle.accept(null, classifier.fromTransport(failure, future.isCancelled()));
        }
      });
    } catch (RuntimeException e) {
      // a client that is stopped or refuses the request outright
      settle.accept(null, classifier.fromTransport(e, false));
    }
    return future;
  }

  private <T> T read(Response<ResponseBody> response, BiFunction<Integer, Buffer, T> reader) throws IOException {
    int status = response.code();
    if (!response.isSuccessful()) {
      try (ResponseBody error = response.errorBody()) {
        Buffer text = new Buffer();
        if (error != null) {
          // enough to classify: the rest of a long error page says nothing more
          readAtMost(error.source(), SseStreamBridge.MAX_ERROR_BODY, text);
        }
        throw classifier.fromHttp(status, response.headers()::get,
            text.readUtf8(Math.min(text.size(), SseStreamBridge.MAX_ERROR_BODY)));
      }
    }
    Buffer bytes = new Buffer();
    try (ResponseBody body = response.body()) {
      // read whole first, so a connection lost mid-body stays a transport failure, not bad JSON; the
      // bound holds whichever client reads (Jetty's also stops earlier, at the socket)
      if (body != null && readAtMost(body.source(), OpenAiConfig.MAX_RESPONSE_BYTES, bytes)) {
        throw new ResponseTooLargeException(OpenAiConfig.MAX_RESPONSE_BYTES);
      }
    }
    return reader.apply(status, bytes);
  }

  /** Reads {@code source} into {@code sink} to its end or past {@code limit} bytes; whether it went past. */
  private static boolean readAtMost(BufferedSource source, long limit, Buffer sink) throws IOException {
    while (sink.size() <= limit) {
      if (source.read(sink, 8192) == -1) {
        return false;
      }
    }
    return true;
  }

  private ChatResponse readAnswer(int status, Buffer bytes) {
    Map<String, Object> json = Replies.object(bytes, "the answer", status);
    if (json.get("error") != null && json.get("choices") == null) {
      // some compatible servers report failures with a 200 and an error object
      throw classifier.fromErrorObject(status, json.get("error"));
    }
    return Replies.answer(json, status);
  }

  private EmbeddingResponse readEmbeddings(int status, Buffer bytes) {
    // a copy shares the bytes' segments: read again only when the answer holds no vectors
    Buffer kept = bytes.copy();
    try {
      return Replies.embeddings(status, bytes);
    } catch (ProviderException unreadable) {
      Object error = Replies.errorMember(kept);
      if (error != null) {
        // some compatible servers report failures with a 200 and an error object
        throw classifier.fromErrorObject(status, error);
      }
      throw unreadable;
    }
  }

  /**
   * Stops the provider's own HTTP client, its threads and connections; a client given to share
   * (Jetty or OkHttp) is left running for its owner to stop.
   */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      transport.close();
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
    int maxConnectionsPerHost;
    Duration keepAlive;
    HttpVersionPolicy httpVersion;
    Duration defaultRetryAfter;
    Duration maxRetryAfter;
    OkHttpClient sharedClient;
    HttpClient sharedHttpClient;

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

    /**
     * The longest silence while reading a reply (for streams, between two events); defaults to
     * 60 s. On the Jetty transport it is the request's idle timeout, so it bounds stalls while
     * sending too.
     */
    public Builder readTimeout(Duration timeout) {
      once(readTimeout, "readTimeout");
      readTimeout = positive(timeout, "readTimeout");
      return this;
    }

    /**
     * The longest stall while sending a request; defaults to 60 s. Used by the OkHttp transport;
     * Jetty's idle timeout (the read timeout) guards both directions.
     */
    public Builder writeTimeout(Duration timeout) {
      once(writeTimeout, "writeTimeout");
      writeTimeout = positive(timeout, "writeTimeout");
      return this;
    }

    /**
     * Calls of this provider in flight at once, streams included; defaults to {@value
     * OpenAiConfig#DEFAULT_MAX_REQUESTS}. A call past it fails at once with {@link
     * FailureKind#OVERLOADED}.
     */
    public Builder maxRequests(int maxRequests) {
      once(this.maxRequests == 0 ? null : this.maxRequests, "maxRequests");
      this.maxRequests = atLeastOne(maxRequests, "maxRequests");
      return this;
    }

    /**
     * Calls in flight at once to this provider's host, counted across every provider that shares
     * the HTTP client; defaults to {@value OpenAiConfig#DEFAULT_MAX_REQUESTS}. A call past it fails
     * at once with {@link FailureKind#OVERLOADED}.
     */
    public Builder maxRequestsPerHost(int maxRequestsPerHost) {
      once(this.maxRequestsPerHost == 0 ? null : this.maxRequestsPerHost, "maxRequestsPerHost");
      this.maxRequestsPerHost = atLeastOne(maxRequestsPerHost, "maxRequestsPerHost");
      return this;
    }

    /**
     * Connections to this provider's host at once; defaults to {@code maxRequestsPerHost}, so that
     * on HTTP/1.1 every admitted call gets a connection without waiting. Below it, admitted calls
     * wait for a free connection (within their call timeout). HTTP/2 opens another connection only
     * when one's streams run out. Applies to the provider's own client and to one from {@link
     * SharedHttpClient}; another shared client keeps its own pool.
     */
    public Builder maxConnectionsPerHost(int maxConnectionsPerHost) {
      once(this.maxConnectionsPerHost == 0 ? null : this.maxConnectionsPerHost, "maxConnectionsPerHost");
      this.maxConnectionsPerHost = atLeastOne(maxConnectionsPerHost, "maxConnectionsPerHost");
      return this;
    }

    /**
     * How long an idle pooled connection is kept open; defaults to 5 minutes. Applies as {@link
     * #maxConnectionsPerHost} does.
     */
    public Builder keepAlive(Duration keepAlive) {
      once(this.keepAlive, "keepAlive");
      this.keepAlive = positive(keepAlive, "keepAlive");
      return this;
    }

    /** The HTTP version to speak; defaults to {@link HttpVersionPolicy#AUTO}. Not for an OkHttp client. */
    public Builder httpVersion(HttpVersionPolicy httpVersion) {
      once(this.httpVersion, "httpVersion");
      this.httpVersion = Objects.requireNonNull(httpVersion, "httpVersion must not be null");
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
     * Runs this provider's calls on OkHttp instead of Jetty, sharing this client's dispatcher and
     * connection pool: for embedders who already run OkHttp. The provider derives its own client
     * from it (timeouts, headers) and leaves the shared one untouched. OkHttp holds a thread per
     * call in flight and per open stream, and its dispatcher queues calls past its own limits.
     */
    public Builder client(OkHttpClient client) {
      once(sharedClient, "client");
      sharedClient = Objects.requireNonNull(client, "client must not be null");
      return this;
    }

    /**
     * A started Jetty client to run this provider's calls on, shared with other providers (see
     * {@link SharedHttpClient}), instead of a client of its own. The provider never stops it.
     */
    public Builder httpClient(HttpClient client) {
      once(sharedHttpClient, "httpClient");
      Objects.requireNonNull(client, "httpClient must not be null");
      if (!client.isRunning()) {
        throw new IllegalArgumentException("httpClient must be started");
      }
      sharedHttpClient = client;
      return this;
    }

    /** The settings, for {@link OpenAiModule} or for {@link OpenAiProvider#create}. */
    public OpenAiConfig buildConfig() {
      if (baseUrl == null) {
        throw new IllegalStateException("baseUrl is required, such as https://api.openai.com/v1");
      }
      if (sharedClient != null && sharedHttpClient != null) {
        throw new IllegalStateException("give either client (OkHttp) or httpClient (Jetty), not both");
      }
      if (sharedClient != null && httpVersion != null) {
        throw new IllegalStateException("httpVersion applies to the Jetty transport; configure the OkHttp client's protocols instead");
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
      b.maxConnectionsPerHost = maxConnectionsPerHost == 0 ? b.maxRequestsPerHost : maxConnectionsPerHost;
      b.keepAlive = or(keepAlive, OpenAiConfig.DEFAULT_KEEP_ALIVE);
      b.httpVersion = or(httpVersion, HttpVersionPolicy.AUTO);
      b.defaultRetryAfter = or(defaultRetryAfter, OpenAiConfig.DEFAULT_RETRY_AFTER);
      b.maxRetryAfter = or(maxRetryAfter, OpenAiConfig.DEFAULT_MAX_RETRY_AFTER);
      if (b.defaultRetryAfter.compareTo(b.maxRetryAfter) > 0) {
        b.defaultRetryAfter = b.maxRetryAfter;
      }
      b.sharedClient = sharedClient;
      b.sharedHttpClient = sharedHttpClient;
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
