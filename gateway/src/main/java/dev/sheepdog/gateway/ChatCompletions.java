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
import java.util.concurrent.CancellationException;
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
    exchange.request().addFailureListener(failure -> routed.cancel(true));
    routed.whenComplete((answer, failure) -> {
      if (failure != null) {
        if (Failures.unwrap(failure) instanceof CancellationException) {
          // cancelled because the client hung up: the answer below has no one to reach
          exchange.logAccess(CLIENT_CLOSED_REQUEST);
        }
        exchange.served("-", attemptsOf(Failures.unwrap(failure)), null);
        exchange.error(Failures.toApiError(failure));
        return;
      }
      byte[] body;
      try {
        body = OpenAiWire.encodeResponse(answer, exchange.createdEpochSeconds());
      } catch (RuntimeException e) {
        // an exception here would vanish into the future and leave the client waiting
        log.error("request {}: the answer of {} could not be encoded", exchange.requestId(), answer.model(), e);
        exchange.error(ApiError.internal());
        return;
      }
      Response response = exchange.response();
      response.getHeaders().put(Headers.MODEL, answer.model().value());
      response.getHeaders().put(Headers.ATTEMPTS, Integer.toString(answer.attempts().size()));
      response.getHeaders().put(Headers.COST, answer.cost().toUsdString());
      exchange.served(answer.model().value(), answer.attempts().size(), answer.cost().toUsdString());
      metrics.clientSpend(exchange.client(), answer.usage(), answer.cost());
      exchange.json(200, body);
    });
  }

  void stream(Exchange exchange, OpenAiWire.IncomingRequest incoming, RouteHints hints) {
    StreamRelay relay = new StreamRelay(exchange);
    relay.attach(router.stream(incoming.request(), hints, relay));
    exchange.request().addFailureListener(relay::clientGone);
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
   */
  private final class StreamRelay implements RoutedStreamListener {
    private final Exchange exchange;
    private final AtomicReference<RoutedStream> stream = new AtomicReference<>();
    private final AtomicBoolean clientGone = new AtomicBoolean();
    private final long startNanos = System.nanoTime();
    private volatile SseResponse sse;
    private volatile ModelId model;
    /** The attempt that serves the stream, from {@link #onStart}; 0 until then. */
    private volatile int attempts;

    StreamRelay(Exchange exchange) {
      this.exchange = exchange;
    }

    @Override
    public void onStart(ModelId from, int attempt) {
      attempts = attempt;
    }

    void attach(RoutedStream routed) {
      stream.set(routed);
      if (clientGone.get()) {
        routed.cancel();
      }
    }

    @Override
    public void onChunk(ModelId from, ChatChunk chunk) {
      if (sse == null) {
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
        sse = new SseResponse(response, exchange.callback(), this::clientGone);
      }
      String payload;
      try {
        payload = OpenAiWire.encodeChunk(from, chunk, "chatcmpl-" + exchange.requestId(),
            exchange.createdEpochSeconds());
      } catch (RuntimeException e) {
        log.error("request {}: a chunk of {} could not be encoded", exchange.requestId(), from, e);
        exchange.logAccess(500);
        clientGone(e);
        sse.data(ApiError.internal().toJson(), true);
        return;
      }
      sse.data(payload, false);
    }

    @Override
    public void onComplete(RoutedStreamResult result) {
      if (sse == null) {
        // an answer without a single chunk is still a well-formed (empty) stream
        attempts = result.attempts().size();
        onChunk(result.model(), new ChatChunk(null, null, java.util.List.of(), null, java.util.Map.of()));
      }
      sse.comment(Headers.COST + ": " + result.cost().toUsdString());
      sse.data("[DONE]", true);
      exchange.served(result.model().value(), result.attempts().size(), result.cost().toUsdString());
      metrics.clientSpend(exchange.client(), result.usage(), result.cost());
      exchange.logAccess(200);
    }

    @Override
    public void onError(RouterException error) {
      ApiError apiError = Failures.toApiError(error);
      if (sse == null) {
        exchange.served("-", attemptsOf(error), null);
        exchange.error(apiError);
        return;
      }
      sse.data(apiError.toJson(), true);
      exchange.served(model.value(), attemptsOf(error), null);
      exchange.logAccess(apiError.status());
    }

    private void clientGone(Throwable failure) {
      clientGone.set(true);
      // the router hears nothing more after a cancel, so this is the request's one access log line
      exchange.logAccess(CLIENT_CLOSED_REQUEST);
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
