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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.jetty.server.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@code POST /v1/chat/completions}: routes one decoded request and answers as JSON or as a stream. */
final class ChatCompletions {
  private static final Logger log = LoggerFactory.getLogger(ChatCompletions.class);

  private final Router router;

  ChatCompletions(Router router) {
    this.router = router;
  }

  void complete(Exchange exchange, OpenAiWire.IncomingRequest incoming, RouteHints hints) {
    CompletableFuture<RoutedResponse> routed = router.route(incoming.request(), hints);
    // a client that hangs up should not keep an upstream call (and its cost) running
    exchange.request().addFailureListener(failure -> routed.cancel(true));
    routed.whenComplete((answer, failure) -> {
      if (failure != null) {
        exchange.error(Failures.toApiError(failure));
        return;
      }
      String body;
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
      exchange.json(200, body);
    });
  }

  void stream(Exchange exchange, OpenAiWire.IncomingRequest incoming, RouteHints hints) {
    StreamRelay relay = new StreamRelay(exchange);
    RoutedStream stream = router.stream(incoming.request(), hints, relay);
    relay.attach(stream);
    exchange.request().addFailureListener(failure -> stream.cancel());
  }

  /**
   * Relays a routed stream. Until the first chunk nothing is sent, so the router may still fail
   * over and a failure becomes an ordinary error response; after it, a failure can only end the
   * stream with an error event, and without {@code [DONE]} so the client cannot take the partial
   * answer for a whole one.
   */
  private final class StreamRelay implements RoutedStreamListener {
    private final Exchange exchange;
    private final AtomicReference<RoutedStream> stream = new AtomicReference<>();
    private final AtomicBoolean clientGone = new AtomicBoolean();
    private volatile SseResponse sse;
    private volatile ModelId model;

    StreamRelay(Exchange exchange) {
      this.exchange = exchange;
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
        sse = new SseResponse(response, exchange.callback(), this::clientGone);
      }
      String payload;
      try {
        payload = OpenAiWire.encodeChunk(from, chunk, "chatcmpl-" + exchange.requestId(),
            exchange.createdEpochSeconds());
      } catch (RuntimeException e) {
        log.error("request {}: a chunk of {} could not be encoded", exchange.requestId(), from, e);
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
        onChunk(result.model(), new ChatChunk(null, null, java.util.List.of(), null, java.util.Map.of()));
      }
      sse.data("[DONE]", true);
      exchange.served(result.model().value(), result.attempts().size(), result.cost().toUsdString());
      exchange.logAccess(200);
    }

    @Override
    public void onError(RouterException error) {
      ApiError apiError = Failures.toApiError(error);
      if (sse == null) {
        exchange.error(apiError);
        return;
      }
      sse.data(apiError.toJson(), true);
      exchange.served(model.value(), error instanceof RoutingException routing ? routing.attempts().size() : 0, null);
      exchange.logAccess(apiError.status());
    }

    private void clientGone(Throwable failure) {
      clientGone.set(true);
      RoutedStream routed = stream.get();
      if (routed != null) {
        routed.cancel();
      }
    }
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
