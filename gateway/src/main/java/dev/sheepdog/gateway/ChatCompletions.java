package dev.sheepdog.gateway;

import dev.sheepdog.core.RoutedResponse;
import dev.sheepdog.core.RoutedStream;
import dev.sheepdog.core.RoutedStreamListener;
import dev.sheepdog.core.RoutedStreamResult;
import dev.sheepdog.core.Router;
import dev.sheepdog.core.RoutingException;
import dev.sheepdog.spi.ChatChunk;
import dev.sheepdog.spi.ModelId;
import dev.sheepdog.spi.Money;
import dev.sheepdog.spi.RouteHints;
import dev.sheepdog.spi.RouterException;
import dev.sheepdog.spi.Usage;
import dev.sheepdog.wire.openai.ChatAnswerFormat;
import dev.sheepdog.wire.openai.ChatRequestFormat;
import dev.sheepdog.wire.openai.WireFormatException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.jetty.server.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /v1/chat/completions}: decodes the request, turns its {@code model} and headers into
 * route hints, routes it and answers as JSON or as a stream.
 */
final class ChatCompletions {
  private static final Logger log = LoggerFactory.getLogger(ChatCompletions.class);
  /** The status logged for a client that hung up before its answer ended (nginx's convention; never sent). */
  static final int CLIENT_CLOSED_REQUEST = 499;

  private final Router router;
  private final GatewayMetrics metrics;
  /** {@code null} without a cache. */
  private final ResponseCache cache;
  private final GatewayTracing tracing;
  private final RouteResolver resolver;
  private final Callbacks callbacks;
  private final long maxBodyBytes;

  /** {@code cache}: {@code null} without a response cache. */
  ChatCompletions(Router router, GatewaySettings settings, GatewayMetrics metrics, ResponseCache cache,
      GatewayTracing tracing, Callbacks callbacks) {
    this.router = router;
    this.tracing = tracing;
    this.metrics = metrics;
    this.cache = cache;
    this.resolver = new RouteResolver(router.catalog(), settings);
    this.callbacks = callbacks;
    this.maxBodyBytes = settings.maxBodyBytes();
  }

  /**
   * An answer in OpenAI's shape, with the upstream's members kept: {@code model} is the model that
   * answered, the id the upstream's or one made from the request id, the usage the upstream's or
   * the router's estimate.
   */
  static byte[] answerBytes(RoutedResponse routed, long createdEpochSeconds) {
    return ChatAnswerFormat.encodeAnswer(routed.response(), "chatcmpl-" + routed.requestId(), routed.model().value(),
        createdEpochSeconds, routed.usage());
  }

  /** Reads the body, then routes the request; the exchange's client is the one its spend goes to. */
  void serve(Exchange exchange) {
    exchange.readBody(maxBodyBytes, body -> route(exchange, body));
  }

  private void route(Exchange exchange, byte[] body) {
    ChatRequestFormat.Incoming incoming;
    RouteHints hints;
    ResponseCache.Mode cacheMode;
    try {
      incoming = ChatRequestFormat.decode(body);
      exchange.route(incoming.model());
      var headers = exchange.request().getHeaders();
      hints = resolver.resolve(incoming.model(), new RouteResolver.HintHeaders(headers.get("X-Sheepdog-Task"),
          headers.get("X-Sheepdog-Priority"), headers.get("X-Sheepdog-Max-Cost-Usd"),
          headers.get("X-Sheepdog-Allow-Defer")), exchange.requestId(), exchange.client());
      cacheMode = ResponseCache.Mode.of(headers.get(ResponseCache.HEADER));
      if (cacheMode == null) {
        exchange.error(ApiError.badRequest(ResponseCache.HEADER + " must be on, off or refresh", "invalid_header",
            null));
        return;
      }
      String callback = callbacks.validate(headers.get(Callbacks.HEADER));
      if (callback != null) {
        hints = hints.toBuilder().attribute(Callbacks.ATTRIBUTE, callback).build();
      }
    } catch (WireFormatException e) {
      exchange.error(ApiError.badRequest(e.getMessage(), e.code(), e.param()));
      return;
    } catch (RouteResolver.RouteException e) {
      exchange.error(e.error());
      return;
    } catch (IllegalArgumentException e) {
      // a record's own validation (a blank role, …): its message names the field and holds no secret
      exchange.error(ApiError.badRequest(e.getMessage(), "invalid_value", null));
      return;
    }
    tracing.begin(exchange, exchange.route(), incoming.request());
    if (incoming.request().stream()) {
      stream(exchange, incoming, hints, cacheMode);
    } else {
      complete(exchange, incoming, hints, cacheMode);
    }
  }

  private void complete(Exchange exchange, ChatRequestFormat.Incoming incoming, RouteHints hints,
      ResponseCache.Mode mode) {
    ResponseCache.Key key = cache == null ? null : cache.keyOf(incoming.model(), hints, incoming.request(), mode);
    if (key != null) {
      completeCached(exchange, incoming, hints, mode, key);
      return;
    }
    CompletableFuture<RoutedResponse> routed = router.route(incoming.request(), hints);
    // a client that hangs up should not keep an upstream call (and its cost) running
    watch(exchange, routed);
    routed.whenComplete((answer, failure) -> exchange.guard(() -> answer(exchange, answer, null, failure)));
  }

  /**
   * Answers from the cache, or fetches and caches: identical requests meanwhile wait for the same
   * call. A client hanging up abandons only its own wait; the call goes on, for the others and the
   * cache.
   */
  private void completeCached(Exchange exchange, ChatRequestFormat.Incoming incoming, RouteHints hints,
      ResponseCache.Mode mode, ResponseCache.Key key) {
    ResponseCache.Lookup lookup = cache.lookup(key, mode, () -> router.route(incoming.request(), hints));
    CompletableFuture<ResponseCache.Entry> mine = lookup.entry().copy();
    watch(exchange, mine);
    mine.whenComplete((entry, failure) -> exchange.guard(() -> {
      if (failure != null || lookup.fetching()) {
        exchange.response().getHeaders().put(ResponseCache.HEADER, "miss");
        tracing.cache(exchange, "miss");
        answer(exchange, entry == null ? null : entry.answer(), entry == null ? null : entry.body(), failure);
      } else {
        hit(exchange, entry);
      }
    }));
  }

  private void hit(Exchange exchange, ResponseCache.Entry entry) {
    RoutedResponse answer = entry.answer();
    Response response = exchange.response();
    response.getHeaders().put(ResponseCache.HEADER, "hit");
    response.getHeaders().put(Headers.MODEL, answer.model().value());
    response.getHeaders().put(Headers.ATTEMPTS, "0");
    response.getHeaders().put(Headers.COST, Money.ZERO.toUsdString());
    countHit(exchange, answer);
    tracing.answered(exchange, answer);
    exchange.json(200, entry.body());
  }

  /**
   * A hit costs nothing and saves what its answer cost: in the access line, the ledger, the metrics
   * and the request's trace.
   */
  private void countHit(Exchange exchange, RoutedResponse answer) {
    tracing.cache(exchange, "hit");
    exchange.served(answer.model().value(), 0, Money.ZERO.toUsdString());
    router.ledger().recordSaved(answer.model(), answer.cost());
    metrics.cacheSaved(answer.cost());
    metrics.clientSpend(exchange.client(), answer.usage(), Money.ZERO);
  }

  /** Stops {@code call} when the client hangs up or the gateway's drain runs out. */
  static void watch(Exchange exchange, CompletableFuture<?> call) {
    exchange.request().addFailureListener(failure -> clientGone(exchange, call, failure));
    exchange.watchForHangup(() -> clientGone(exchange, call, new java.io.EOFException("the client hung up")));
    exchange.onShutdown(() -> {
      exchange.error(ApiError.shuttingDown());
      call.cancel(true);
    });
  }

  private static void clientGone(Exchange exchange, CompletableFuture<?> routed, Throwable failure) {
    // the exchange ends first, so the cancelled call's error has no response left to write
    exchange.abort(CLIENT_CLOSED_REQUEST, failure);
    routed.cancel(true);
  }

  /** Answers with {@code answer}, encoded as {@code body} unless that is {@code null}; or with {@code failure}. */
  private void answer(Exchange exchange, RoutedResponse answer, byte[] encoded, Throwable failure) {
    if (failure != null) {
      failed(exchange, tracing, failure);
      return;
    }
    byte[] body = encoded != null ? encoded : answerBytes(answer, exchange.createdEpochSeconds());
    served(exchange, metrics, answer.model(), answer.attempts().size(), answer.cost(), answer.usage());
    tracing.answered(exchange, answer);
    exchange.json(200, body);
  }

  private void stream(Exchange exchange, ChatRequestFormat.Incoming incoming, RouteHints hints,
      ResponseCache.Mode mode) {
    ResponseCache.Key key = cache == null || mode == ResponseCache.Mode.REFRESH ? null
        : cache.keyOf(incoming.model(), hints, incoming.request(), mode);
    ResponseCache.Entry cached = key == null ? null : cache.cached(key);
    if (cached != null) {
      streamHit(exchange, cached, incoming.request());
      return;
    }
    StreamRelay relay = new StreamRelay(exchange);
    exchange.request().addFailureListener(relay::clientGone);
    exchange.watchForHangup(() -> relay.clientGone(new java.io.EOFException("the client hung up")));
    exchange.onShutdown(relay::shutdown);
    relay.attach(router.stream(incoming.request(), hints, relay));
  }

  /**
   * A cached answer as a stream: one chunk with every choice whole, the usage in a chunk of its own
   * when the request asked for it ({@code stream_options.include_usage}), then {@code [DONE]}.
   */
  private void streamHit(Exchange exchange, ResponseCache.Entry entry, dev.sheepdog.spi.ChatRequest request) {
    RoutedResponse answer = entry.answer();
    dev.sheepdog.spi.ChatResponse response = answer.response();
    String id = response.id() != null ? response.id() : "chatcmpl-" + exchange.requestId();
    StringBuilder events = new StringBuilder();
    ChatAnswerFormat.StreamEncoder chunks = new ChatAnswerFormat.StreamEncoder(id, exchange.createdEpochSeconds());
    events.append("data: ").append(chunks.encode(answer.model().value(), new ChatChunk(id,
        response.upstreamModel(), response.choices(), null, java.util.Map.of()))).append("\n\n");
    if (request.extensions().get("stream_options") instanceof java.util.Map<?, ?> options
        && Boolean.TRUE.equals(options.get("include_usage"))) {
      events.append("data: ").append(chunks.encode(answer.model().value(), new ChatChunk(id,
          response.upstreamModel(), java.util.List.of(), answer.usage(), java.util.Map.of()))).append("\n\n");
    }
    events.append(": ").append(Headers.COST).append(": ").append(Money.ZERO.toUsdString()).append("\n\n");
    events.append("data: [DONE]\n\n");
    Response http = exchange.response();
    http.getHeaders().put(ResponseCache.HEADER, "hit");
    http.getHeaders().put(Headers.MODEL, answer.model().value());
    http.getHeaders().put(Headers.ATTEMPTS, "0");
    http.getHeaders().put("Cache-Control", "no-cache");
    countHit(exchange, answer);
    exchange.text(200, "text/event-stream", events.toString());
  }

  /**
   * Relays a routed stream. Until the first chunk nothing is sent, so the router may still fail
   * over and a failure becomes an ordinary error response; after it, a failure can only end the
   * stream with an error event, and without {@code [DONE]} so the client cannot take the partial
   * answer for a whole one.
   *
   * <p>Headers leave with the first chunk, when the model is decided and no further attempt can
   * start: {@code X-Sheepdog-Model} and {@code X-Sheepdog-Attempts} are final then. The cost is
   * known only at the end, so it comes last, as the comment line {@code : X-Sheepdog-Cost-Usd: …}
   * just before {@code data: [DONE]}; event-stream parsers (OpenAI's clients among them) skip
   * comments.
   *
   * <p>Ends: the router's {@code onComplete} or {@code onError}, the client hanging up, the client
   * reading so slowly that the stream's buffer fills ({@link SseResponse.Listener#overflowed}), and
   * a drain that runs out of time. The first to get {@link #terminate()} decides; the others only
   * stop the upstream call. Every end that still can writes a last event saying why.
   */
  private final class StreamRelay implements RoutedStreamListener, SseResponse.Listener {
    private final Exchange exchange;
    private final AtomicReference<RoutedStream> stream = new AtomicReference<>();
    private final AtomicBoolean cancelled = new AtomicBoolean();
    private final long startNanos = System.nanoTime();
    private volatile SseResponse sse;
    private volatile ModelId model;
    /** The attempt that serves the stream, from {@link #onStart}; 0 until then. */
    private volatile int attempts;
    /** The last finish reason a chunk gave, for the trace. */
    private volatile String finishReason;
    /** Guarded by {@code this}: the stream's end has been decided. */
    private boolean terminated;
    /** Used by one chunk at a time: a stream's chunks are relayed in order. */
    private final ChatAnswerFormat.StreamEncoder chunks;

    StreamRelay(Exchange exchange) {
      this.exchange = exchange;
      this.chunks = new ChatAnswerFormat.StreamEncoder("chatcmpl-" + exchange.requestId(),
          exchange.createdEpochSeconds());
    }

    void attach(RoutedStream routed) {
      stream.set(routed);
      if (cancelled.get()) {
        routed.cancel();
      }
    }

    @Override
    public void onStart(ModelId from, int attempt) {
      attempts = attempt;
    }

    @Override
    public void onChunk(ModelId from, ChatChunk chunk) {
      exchange.guard(() -> relay(from, chunk));
    }

    private void relay(ModelId from, ChatChunk chunk) {
      if (chunk.finishReason() != null) {
        finishReason = chunk.finishReason();
      }
      SseResponse events = sse != null ? sse : open(from);
      if (events == null) {
        return;
      }
      String payload;
      try {
        payload = chunks.encode(from.value(), chunk);
      } catch (RuntimeException e) {
        log.error("request {}: a chunk of {} could not be encoded", exchange.requestId(), from, e);
        if (terminate()) {
          cancelUpstream();
          exchange.outcome(500);
          events.end(ApiError.internal().toJson());
        }
        return;
      }
      events.data(payload, false);
    }

    /** Starts the event stream with the first chunk; {@code null} when the stream has already ended. */
    private synchronized SseResponse open(ModelId from) {
      if (terminated || !exchange.claimResponse()) {
        cancelUpstream();
        return null;
      }
      model = from;
      Response response = exchange.response();
      response.setStatus(200);
      response.getHeaders().put("Content-Type", "text/event-stream; charset=utf-8");
      response.getHeaders().put("Cache-Control", "no-cache");
      response.getHeaders().put(Headers.MODEL, from.value());
      int attempts = this.attempts;
      if (attempts > 0) {
        response.getHeaders().put(Headers.ATTEMPTS, Integer.toString(attempts));
      }
      metrics.firstToken(from, Duration.ofNanos(System.nanoTime() - startNanos));
      // what the access line says should the client hang up before the end
      exchange.served(from.value(), attempts, null);
      SseResponse events = new SseResponse(exchange, exchange.limits().maxStreamBufferBytes(), this);
      sse = events;
      return events;
    }

    @Override
    public void onComplete(RoutedStreamResult result) {
      exchange.guard(() -> {
        if (sse == null) {
          // an answer without a single chunk is still a well-formed (empty) stream
          attempts = result.attempts().size();
          relay(result.model(), new ChatChunk(null, null, java.util.List.of(), null, java.util.Map.of()));
        }
        if (!terminate() || sse == null) {
          return;
        }
        exchange.served(result.model().value(), result.attempts().size(), result.cost().toUsdString());
        metrics.clientSpend(exchange.client(), result.usage(), result.cost());
        tracing.streamed(exchange, result.model().value(), result.usage(), finishReason);
        sse.comment(Headers.COST + ": " + result.cost().toUsdString());
        sse.data("[DONE]", true);
      });
    }

    @Override
    public void onError(RouterException error) {
      exchange.guard(() -> {
        if (!terminate()) {
          return;
        }
        ApiError apiError = Failures.toApiError(error);
        tracing.failed(exchange, apiError);
        if (sse == null) {
          exchange.served("-", attemptsOf(error), null);
          exchange.error(apiError);
          return;
        }
        exchange.served(model.value(), attemptsOf(error), null);
        exchange.outcome(apiError.status());
        sse.end(apiError.toJson());
      });
    }

    @Override
    public void overflowed() {
      if (!terminate()) {
        return;
      }
      cancelUpstream();
      ApiError slow = ApiError.requestTimeout("the client read the stream too slowly: more than "
          + exchange.limits().maxStreamBufferBytes() + " bytes were waiting for it");
      exchange.outcome(slow.status());
      sse.end(slow.toJson());
    }

    /** The drain ran out of time: the stream ends now, with an error event if it has begun. */
    void shutdown() {
      if (!terminate()) {
        return;
      }
      cancelUpstream();
      ApiError shuttingDown = ApiError.shuttingDown();
      if (sse == null) {
        exchange.error(shuttingDown);
      } else {
        exchange.outcome(shuttingDown.status());
        sse.end(shuttingDown.toJson());
      }
    }

    @Override
    public void clientGone(Throwable failure) {
      terminate();
      cancelUpstream();
      exchange.abort(CLIENT_CLOSED_REQUEST, failure);
    }

    private synchronized boolean terminate() {
      if (terminated) {
        return false;
      }
      terminated = true;
      return true;
    }

    /** The router hears nothing more after a cancel. */
    private void cancelUpstream() {
      cancelled.set(true);
      RoutedStream routed = stream.get();
      if (routed != null) {
        routed.cancel();
      }
    }
  }

  /** A routed request that failed: its error in OpenAI's shape, in the access line and the trace. */
  static void failed(Exchange exchange, GatewayTracing tracing, Throwable failure) {
    exchange.served("-", attemptsOf(Failures.unwrap(failure)), null);
    ApiError error = Failures.toApiError(failure);
    tracing.failed(exchange, error);
    exchange.error(error);
  }

  /** A routed request answered: who answered and what it cost, in the headers, the access line and the metrics. */
  static void served(Exchange exchange, GatewayMetrics metrics, ModelId model, int attempts, Money cost,
      Usage usage) {
    Response response = exchange.response();
    response.getHeaders().put(Headers.MODEL, model.value());
    response.getHeaders().put(Headers.ATTEMPTS, Integer.toString(attempts));
    response.getHeaders().put(Headers.COST, cost.toUsdString());
    exchange.served(model.value(), attempts, cost.toUsdString());
    metrics.clientSpend(exchange.client(), usage, cost);
  }

  private static int attemptsOf(Throwable failure) {
    return failure instanceof RoutingException routing ? routing.attempts().size() : 0;
  }

  /** The response headers the gateway adds. */
  static final class Headers {
    static final String MODEL = "X-Sheepdog-Model";
    static final String ATTEMPTS = "X-Sheepdog-Attempts";
    static final String COST = "X-Sheepdog-Cost-Usd";
    static final String DEFERRED_ID = "X-Sheepdog-Deferred-Id";
    static final String REQUEST_ID = "X-Request-Id";

    private Headers() {}
  }
}
