package dev.sheepdog.gateway;

import dev.sheepdog.core.RoutedResponse;
import dev.sheepdog.core.RoutedStream;
import dev.sheepdog.core.RoutedStreamListener;
import dev.sheepdog.core.RoutedStreamResult;
import dev.sheepdog.core.Router;
import dev.sheepdog.core.RoutingException;
import dev.sheepdog.spi.ChatChunk;
import dev.sheepdog.spi.ModelId;
import dev.sheepdog.spi.RouteHints;
import dev.sheepdog.spi.RouterException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.jetty.server.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@code POST /v1/chat/completions}: routes one decoded request and answers as JSON or as a stream. */
final class ChatCompletions {
  private static final Logger log = LoggerFactory.getLogger(ChatCompletions.class);
  /** The status logged for a client that hung up before its answer ended (nginx's convention; never sent). */
  static final int CLIENT_CLOSED_REQUEST = 499;

  private final Router router;
  private final GatewayMetrics metrics;

  ChatCompletions(Router router, GatewayMetrics metrics) {
    this.router = router;
    this.metrics = metrics;
  }

  void complete(Exchange exchange, OpenAiWire.IncomingRequest incoming, RouteHints hints) {
    CompletableFuture<RoutedResponse> routed = router.route(incoming.request(), hints);
    // a client that hangs up should not keep an upstream call (and its cost) running
    exchange.request().addFailureListener(failure -> clientGone(exchange, routed, failure));
    exchange.watchForHangup(() -> clientGone(exchange, routed, new java.io.EOFException("the client hung up")));
    exchange.onShutdown(() -> {
      exchange.error(ApiError.shuttingDown());
      routed.cancel(true);
    });
    routed.whenComplete((answer, failure) -> exchange.guard(() -> answer(exchange, answer, failure)));
  }

  private static void clientGone(Exchange exchange, CompletableFuture<RoutedResponse> routed, Throwable failure) {
    // the exchange ends first, so the cancelled call's error has no response left to write
    exchange.abort(CLIENT_CLOSED_REQUEST, failure);
    routed.cancel(true);
  }

  private void answer(Exchange exchange, RoutedResponse answer, Throwable failure) {
    if (failure != null) {
      exchange.served("-", attemptsOf(Failures.unwrap(failure)), null);
      exchange.error(Failures.toApiError(failure));
      return;
    }
    byte[] body = OpenAiWire.encodeResponse(answer, exchange.createdEpochSeconds());
    Response response = exchange.response();
    response.getHeaders().put(Headers.MODEL, answer.model().value());
    response.getHeaders().put(Headers.ATTEMPTS, Integer.toString(answer.attempts().size()));
    response.getHeaders().put(Headers.COST, answer.cost().toUsdString());
    exchange.served(answer.model().value(), answer.attempts().size(), answer.cost().toUsdString());
    metrics.clientSpend(exchange.client(), answer.usage(), answer.cost());
    exchange.json(200, body);
  }

  void stream(Exchange exchange, OpenAiWire.IncomingRequest incoming, RouteHints hints) {
    StreamRelay relay = new StreamRelay(exchange);
    exchange.request().addFailureListener(relay::clientGone);
    exchange.watchForHangup(() -> relay.clientGone(new java.io.EOFException("the client hung up")));
    exchange.onShutdown(relay::shutdown);
    relay.attach(router.stream(incoming.request(), hints, relay));
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
    /** Guarded by {@code this}: the stream's end has been decided. */
    private boolean terminated;

    StreamRelay(Exchange exchange) {
      this.exchange = exchange;
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
      SseResponse events = sse != null ? sse : open(from);
      if (events == null) {
        return;
      }
      String payload;
      try {
        payload = OpenAiWire.encodeChunk(from, chunk, "chatcmpl-" + exchange.requestId(),
            exchange.createdEpochSeconds());
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
