package dev.sheepdog.gateway;

import dev.sheepdog.core.RoutedEmbedding;
import dev.sheepdog.core.RoutedResponse;
import dev.sheepdog.spi.CallHeaders;
import dev.sheepdog.spi.ChatMessage;
import dev.sheepdog.spi.ChatRequest;
import dev.sheepdog.spi.Choice;
import dev.sheepdog.spi.ModelId;
import dev.sheepdog.spi.Money;
import dev.sheepdog.spi.RouterEvent;
import dev.sheepdog.spi.RouterListener;
import dev.sheepdog.spi.Usage;
import dev.sheepdog.wire.openai.WireJson;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporterBuilder;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.server.Request;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Traces of chat completions in OpenTelemetry, following its GenAI semantic conventions: a
 * {@code SERVER} span per request ({@code chat {route}}), continuing the client's {@code
 * traceparent}, and a {@code CLIENT} span per upstream attempt ({@code chat {model}}) under it,
 * built from the router's {@link RouterEvent}s; the core knows nothing of OpenTelemetry. Models
 * passed over are events of the server span, failures are error statuses with their kind. Each
 * upstream call carries its {@code CLIENT} span's {@code traceparent} ({@link CallHeaders}), so an
 * upstream that traces continues the trace.
 *
 * <p>What a request's spans need between events is kept by request id in a bounded map, from
 * {@link #begin} until its exchange ends; a request that arrives when the map is full is not
 * traced. Without {@code capture_content} no prompt or answer text goes into a span.
 */
public final class GatewayTracing implements RouterListener, CallHeaders, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(GatewayTracing.class);
  /** Requests traced at once; past this, new requests go untraced rather than growing the map. */
  static final int MAX_OPEN_REQUESTS = 65_536;
  private static final String SCOPE = "dev.sheepdog.gateway";

  static final AttributeKey<String> OPERATION = AttributeKey.stringKey("gen_ai.operation.name");
  static final AttributeKey<Long> DIMENSIONS = AttributeKey.longKey("gen_ai.embeddings.dimension.count");
  static final AttributeKey<String> REQUEST_MODEL = AttributeKey.stringKey("gen_ai.request.model");
  static final AttributeKey<String> RESPONSE_MODEL = AttributeKey.stringKey("gen_ai.response.model");
  static final AttributeKey<Long> INPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.input_tokens");
  static final AttributeKey<Long> OUTPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.output_tokens");
  static final AttributeKey<List<String>> FINISH_REASONS = AttributeKey.stringArrayKey(
      "gen_ai.response.finish_reasons");
  static final AttributeKey<String> INPUT_MESSAGES = AttributeKey.stringKey("gen_ai.input.messages");
  static final AttributeKey<String> OUTPUT_MESSAGES = AttributeKey.stringKey("gen_ai.output.messages");
  static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");
  static final AttributeKey<Long> HTTP_STATUS = AttributeKey.longKey("http.response.status_code");
  static final AttributeKey<String> REQUEST_ID = AttributeKey.stringKey("sheepdog.request_id");
  static final AttributeKey<String> ROUTE = AttributeKey.stringKey("sheepdog.route");
  static final AttributeKey<Long> ATTEMPT = AttributeKey.longKey("sheepdog.attempt");
  static final AttributeKey<Long> ATTEMPTS = AttributeKey.longKey("sheepdog.attempts");
  static final AttributeKey<Long> ROUND = AttributeKey.longKey("sheepdog.round");
  static final AttributeKey<String> FAILURE_KIND = AttributeKey.stringKey("sheepdog.failure_kind");
  static final AttributeKey<String> MODEL = AttributeKey.stringKey("sheepdog.model");
  static final AttributeKey<String> SKIP_REASON = AttributeKey.stringKey("sheepdog.skip_reason");
  static final AttributeKey<String> COST = AttributeKey.stringKey("sheepdog.cost_usd");
  static final AttributeKey<Boolean> HEDGED = AttributeKey.booleanKey("sheepdog.hedged");
  static final AttributeKey<Boolean> USAGE_ESTIMATED = AttributeKey.booleanKey("sheepdog.usage_estimated");
  static final AttributeKey<String> DEFERRED_ID = AttributeKey.stringKey("sheepdog.deferred_id");
  static final AttributeKey<Boolean> STREAM = AttributeKey.booleanKey("sheepdog.stream");
  static final AttributeKey<String> CACHE = AttributeKey.stringKey("sheepdog.cache");
  static final String SKIPPED_EVENT = "sheepdog.model_skipped";

  private static final TextMapGetter<Request> HEADERS = new TextMapGetter<>() {
    @Override
    public Iterable<String> keys(Request request) {
      return request.getHeaders().getFieldNamesCollection();
    }

    @Override
    public String get(Request request, String key) {
      return request == null ? null : request.getHeaders().get(key);
    }
  };

  private final Tracer tracer;
  private final boolean captureContent;
  private final AutoCloseable sdk;
  private final Map<String, Traced> open = new ConcurrentHashMap<>();
  private final AtomicLong untraced = new AtomicLong();

  private GatewayTracing(Tracer tracer, boolean captureContent, AutoCloseable sdk) {
    this.tracer = tracer;
    this.captureContent = captureContent;
    this.sdk = sdk;
  }

  /** No traces: every hook returns at once. */
  public static GatewayTracing off() {
    return new GatewayTracing(null, false, null);
  }

  /**
   * Traces through {@code openTelemetry}, which the caller owns and shuts down: for embedders with
   * their own SDK, and tests with an in-memory exporter.
   */
  public static GatewayTracing of(OpenTelemetry openTelemetry, boolean captureContent) {
    Objects.requireNonNull(openTelemetry, "openTelemetry");
    return new GatewayTracing(openTelemetry.getTracer(SCOPE, version()), captureContent, null);
  }

  /**
   * Traces exported over OTLP/HTTP (protobuf) as {@code settings} say, batched off the request
   * path, through the JDK's HTTP client; {@link #close()} flushes them and shuts the SDK down.
   * Off when {@code settings} name no endpoint.
   */
  public static GatewayTracing otlp(TelemetrySettings settings) {
    if (!settings.enabled()) {
      return off();
    }
    OtlpHttpSpanExporterBuilder exporter = OtlpHttpSpanExporter.builder().setEndpoint(settings.tracesUrl());
    settings.headers().forEach(exporter::addHeader);
    SdkTracerProvider provider = SdkTracerProvider.builder()
        .setResource(Resource.getDefault().merge(Resource.create(Attributes.of(
            AttributeKey.stringKey("service.name"), "sheepdog-gateway",
            AttributeKey.stringKey("service.version"), version()))))
        .setSampler(Sampler.parentBased(Sampler.traceIdRatioBased(settings.sampleRatio())))
        .addSpanProcessor(BatchSpanProcessor.builder(exporter.build()).build())
        .build();
    OpenTelemetrySdk sdk = OpenTelemetrySdk.builder().setTracerProvider(provider).build();
    AutoCloseable shutdown = () -> {
      var result = provider.shutdown().join(10, TimeUnit.SECONDS);
      if (!result.isSuccess()) {
        log.warn("Traces: the last spans could not all be sent to {}", settings.tracesUrl());
      }
    };
    return new GatewayTracing(sdk.getTracer(SCOPE, version()), settings.captureContent(), shutdown);
  }

  private static String version() {
    String version = GatewayTracing.class.getPackage().getImplementationVersion();
    return version != null ? version : "dev";
  }

  public boolean enabled() {
    return tracer != null;
  }

  /** Requests that went untraced because {@link #MAX_OPEN_REQUESTS} were traced already. */
  public long untraced() {
    return untraced.get();
  }

  /** Requests whose server span is open. */
  int openRequests() {
    return open.size();
  }

  /** A chat request was decoded: its server span starts, the child of the client's {@code traceparent}, if any. */
  void begin(Exchange exchange, String route, ChatRequest request) {
    Span span = open(exchange, "chat", route, request.stream());
    if (span != null && captureContent && span.isRecording()) {
      span.setAttribute(INPUT_MESSAGES, WireJson.write(messages(request.messages())));
    }
  }

  /**
   * An embeddings request was decoded: its server span starts, as a chat request's does. Inputs are
   * never captured: they are documents, and the vectors would say nothing to a reader.
   */
  void beginEmbeddings(Exchange exchange, String model) {
    open(exchange, "embeddings", model, false);
  }

  /** Starts and registers the server span of a request, or returns {@code null} when it is not traced. */
  private Span open(Exchange exchange, String operation, String route, boolean stream) {
    if (tracer == null) {
      return null;
    }
    if (open.size() >= MAX_OPEN_REQUESTS) {
      untraced.incrementAndGet();
      return null;
    }
    Context parent = W3CTraceContextPropagator.getInstance().extract(Context.root(), exchange.request(), HEADERS);
    Span span = tracer.spanBuilder(operation + " " + route)
        .setSpanKind(SpanKind.SERVER)
        .setParent(parent)
        .setAttribute(OPERATION, operation)
        .setAttribute(REQUEST_MODEL, route)
        .setAttribute(ROUTE, route)
        .setAttribute(REQUEST_ID, exchange.requestId())
        .setAttribute(STREAM, stream)
        .startSpan();
    Traced traced = new Traced(exchange, operation, route, span);
    if (open.putIfAbsent(exchange.requestId(), traced) != null) {
      // a client reused a request id still in flight: the router's events could not tell the two apart
      span.setAttribute(ERROR_TYPE, "duplicate_request_id");
      span.end();
    }
    return span;
  }

  /** The vectors of an embeddings request: the model, the tokens read, the vectors' size. */
  void answered(Exchange exchange, RoutedEmbedding answer) {
    Traced traced = tracedBy(exchange);
    if (traced == null) {
      return;
    }
    traced.server.setAttribute(RESPONSE_MODEL, answer.model().value());
    traced.server.setAttribute(INPUT_TOKENS, answer.usage().promptTokens());
    if (!answer.response().data().isEmpty()) {
      traced.server.setAttribute(DIMENSIONS, (long) answer.response().data().get(0).dimensions());
    }
  }

  /** The answer of a request that is not streamed: finish reasons, and the answer's text when captured. */
  void answered(Exchange exchange, RoutedResponse answer) {
    Traced traced = tracedBy(exchange);
    if (traced == null) {
      return;
    }
    List<String> reasons = new ArrayList<>();
    for (Choice choice : answer.response().choices()) {
      if (choice.finishReason() != null) {
        reasons.add(choice.finishReason());
      }
    }
    traced.server.setAttribute(FINISH_REASONS, reasons);
    traced.server.setAttribute(RESPONSE_MODEL, answer.model().value());
    traced.server.setAttribute(INPUT_TOKENS, answer.usage().promptTokens());
    traced.server.setAttribute(OUTPUT_TOKENS, answer.usage().completionTokens());
    if (captureContent) {
      List<ChatMessage> messages = new ArrayList<>();
      for (Choice choice : answer.response().choices()) {
        messages.add(choice.message());
      }
      traced.server.setAttribute(OUTPUT_MESSAGES, WireJson.write(messages(messages)));
    }
  }

  /** What the response cache did for a request it could serve: {@code hit} or {@code miss}. */
  void cache(Exchange exchange, String outcome) {
    Traced traced = tracedBy(exchange);
    if (traced != null) {
      traced.server.setAttribute(CACHE, outcome);
    }
  }

  /** The streamed answer ended: its usage and finish reason. */
  void streamed(Exchange exchange, String model, Usage usage, String finishReason) {
    Traced traced = tracedBy(exchange);
    if (traced == null) {
      return;
    }
    traced.server.setAttribute(RESPONSE_MODEL, model);
    if (usage != null) {
      traced.server.setAttribute(INPUT_TOKENS, usage.promptTokens());
      traced.server.setAttribute(OUTPUT_TOKENS, usage.completionTokens());
    }
    if (finishReason != null) {
      traced.server.setAttribute(FINISH_REASONS, List.of(finishReason));
    }
  }

  /** The request ends with {@code error}: the server span's failure kind is the error's code (or type). */
  void failed(Exchange exchange, ApiError error) {
    Traced traced = tracedBy(exchange);
    if (traced != null) {
      traced.failureKind = error.code() != null ? error.code() : error.type();
    }
  }

  /** The exchange ended, answered or not: the server span ends with its status, and is forgotten. */
  void ended(Exchange exchange, int status) {
    if (tracer == null) {
      return;
    }
    Traced traced = tracedBy(exchange);
    if (traced == null || !open.remove(exchange.requestId(), traced)) {
      return;
    }
    traced.end(status);
  }

  private Traced tracedBy(Exchange exchange) {
    if (tracer == null) {
      return null;
    }
    Traced traced = open.get(exchange.requestId());
    return traced != null && traced.exchange == exchange ? traced : null;
  }

  @Override
  public void onEvent(RouterEvent event) {
    if (tracer == null) {
      return;
    }
    if (event instanceof RouterEvent.AttemptStarted started) {
      Traced traced = open.get(started.requestId());
      if (traced != null) {
        traced.attemptStarted(started);
      }
    } else if (event instanceof RouterEvent.AttemptSucceeded succeeded) {
      Traced traced = open.get(succeeded.requestId());
      if (traced != null) {
        traced.attemptSucceeded(succeeded);
      }
    } else if (event instanceof RouterEvent.AttemptFailed failed) {
      Traced traced = open.get(failed.requestId());
      if (traced != null) {
        traced.attemptFailed(failed);
      }
    } else if (event instanceof RouterEvent.UsageEstimated estimated) {
      Traced traced = open.get(estimated.requestId());
      if (traced != null) {
        traced.server.addEvent("sheepdog.usage_estimated", Attributes.of(MODEL, estimated.model().value(),
            COST, estimated.cost().toUsdString()));
      }
    } else if (event instanceof RouterEvent.ModelSkipped skipped) {
      Traced traced = open.get(skipped.requestId());
      if (traced != null) {
        traced.server.addEvent(SKIPPED_EVENT, Attributes.of(MODEL, skipped.model().value(),
            SKIP_REASON, skipped.reason().name().toLowerCase(java.util.Locale.ROOT)));
      }
    } else if (event instanceof RouterEvent.RequestSucceeded succeeded) {
      Traced traced = open.get(succeeded.requestId());
      if (traced != null) {
        traced.server.setAttribute(RESPONSE_MODEL, succeeded.model().value());
        traced.server.setAttribute(ATTEMPTS, succeeded.attempts());
        traced.server.setAttribute(COST, succeeded.cost().toUsdString());
      }
    } else if (event instanceof RouterEvent.RequestFailed failed) {
      Traced traced = open.get(failed.requestId());
      if (traced != null) {
        traced.server.setAttribute(ATTEMPTS, failed.attempts());
        traced.failure = failed.reason();
      }
    } else if (event instanceof RouterEvent.RequestDeferred deferred) {
      Traced traced = open.get(deferred.requestId());
      if (traced != null) {
        traced.server.setAttribute(DEFERRED_ID, deferred.deferredId());
      }
    }
    // circuit transitions and alerts belong to no request
  }

  /** The W3C trace context of the attempt's {@code CLIENT} span, for the upstream call. */
  @Override
  public Map<String, String> headersFor(String requestId, ModelId model, int attempt) {
    if (tracer == null) {
      return Map.of();
    }
    Traced traced = open.get(requestId);
    Span span = traced == null ? null : traced.attempts.get(attempt);
    if (span == null || !span.getSpanContext().isValid()) {
      return Map.of();
    }
    Map<String, String> headers = new LinkedHashMap<>(4);
    W3CTraceContextPropagator.getInstance().inject(Context.root().with(span), headers, Map::put);
    return headers;
  }

  /** Flushes the spans still waiting and shuts the SDK down, when this tracing built it. */
  @Override
  public void close() throws Exception {
    if (sdk != null) {
      sdk.close();
    }
  }

  /** Messages as the GenAI conventions' {@code gen_ai.*.messages}: role and text parts. */
  private static List<Object> messages(List<ChatMessage> messages) {
    List<Object> out = new ArrayList<>(messages.size());
    for (ChatMessage message : messages) {
      if (message == null) {
        continue;
      }
      Map<String, Object> part = new LinkedHashMap<>();
      part.put("type", "text");
      part.put("content", message.text());
      Map<String, Object> item = new LinkedHashMap<>();
      item.put("role", message.role());
      item.put("parts", List.of(part));
      out.add(item);
    }
    return out;
  }

  /** One traced request: its server span and the client spans of its attempts in flight. */
  private final class Traced {
    final Exchange exchange;
    /** {@code chat} or {@code embeddings}: the GenAI operation of the request and its attempts. */
    final String operation;
    final String route;
    final Span server;
    final Context context;
    /** Attempts in flight, by attempt number. */
    final Map<Integer, Span> attempts = new ConcurrentHashMap<>();
    /** The router's reason, when the request failed there; not exported. */
    volatile String failure;
    /** The code of the error the client got, if any. */
    volatile String failureKind;

    Traced(Exchange exchange, String operation, String route, Span server) {
      this.exchange = exchange;
      this.operation = operation;
      this.route = route;
      this.server = server;
      this.context = Context.root().with(server);
    }

    void attemptStarted(RouterEvent.AttemptStarted started) {
      // a call that starts while another is in flight can only be a hedge
      boolean hedged = !attempts.isEmpty();
      Span span = tracer.spanBuilder(operation + " " + started.model().value())
          .setSpanKind(SpanKind.CLIENT)
          .setParent(context)
          .setAttribute(OPERATION, operation)
          .setAttribute(REQUEST_MODEL, started.model().value())
          .setAttribute(ROUTE, route)
          .setAttribute(ATTEMPT, started.attempt())
          .setAttribute(ROUND, started.round())
          .setAttribute(REQUEST_ID, started.requestId())
          .setAttribute(HEDGED, hedged)
          .startSpan();
      if (hedged) {
        server.setAttribute(HEDGED, true);
      }
      Span previous = attempts.put(started.attempt(), span);
      if (previous != null) {
        previous.end();
      }
    }

    void attemptSucceeded(RouterEvent.AttemptSucceeded succeeded) {
      Span span = attempts.remove(succeeded.attempt());
      if (span == null) {
        return;
      }
      span.setAttribute(RESPONSE_MODEL, succeeded.model().value());
      Usage usage = succeeded.usage();
      if (usage != null && usage != Usage.NONE) {
        span.setAttribute(INPUT_TOKENS, usage.promptTokens());
        span.setAttribute(OUTPUT_TOKENS, usage.completionTokens());
      } else {
        span.setAttribute(USAGE_ESTIMATED, true);
      }
      Money cost = succeeded.cost();
      if (cost != null) {
        span.setAttribute(COST, cost.toUsdString());
      }
      span.end();
    }

    void attemptFailed(RouterEvent.AttemptFailed failed) {
      Span span = attempts.remove(failed.attempt());
      if (span == null) {
        return;
      }
      String kind = failed.kind().name().toLowerCase(java.util.Locale.ROOT);
      span.setAttribute(FAILURE_KIND, kind);
      span.setAttribute(ERROR_TYPE, kind);
      if (failed.httpStatus() > 0) {
        span.setAttribute(HTTP_STATUS, failed.httpStatus());
      }
      span.setStatus(StatusCode.ERROR, kind);
      span.end();
    }

    void end(int status) {
      // calls the router has not settled when the exchange ends (a client that hung up): closed as cancelled
      for (Span span : attempts.values()) {
        span.setAttribute(FAILURE_KIND, "cancelled");
        span.end();
      }
      attempts.clear();
      server.setAttribute(HTTP_STATUS, status);
      if (status >= 500 || failure != null && status >= 400) {
        String kind = failureKind != null ? failureKind : Integer.toString(status);
        server.setAttribute(FAILURE_KIND, kind);
        server.setAttribute(ERROR_TYPE, kind);
        // the kind only: the router's reason may quote an upstream's message
        server.setStatus(StatusCode.ERROR, kind);
      }
      server.end();
    }
  }
}
