package dev.sheepdog.gateway;

import dev.sheepdog.core.RoutedEmbedding;
import dev.sheepdog.core.Router;
import dev.sheepdog.spi.ModelId;
import dev.sheepdog.spi.ModelSpec;
import dev.sheepdog.spi.RouteHints;
import dev.sheepdog.wire.openai.EmbeddingFormat;
import dev.sheepdog.wire.openai.WireFormatException;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * {@code POST /v1/embeddings}: decodes the request, pins the embedding model the client names and
 * its configured fallbacks, routes it ({@link Router#embed}: failover only between models of the
 * same vector space and size), and answers in OpenAI's shape with the same headers, access line,
 * metrics, spend and trace as a chat completion. Only catalog models are named here: a route alias
 * plans chat models.
 */
final class Embeddings {
  private final Router router;
  private final GatewayMetrics metrics;
  private final GatewayTracing tracing;
  private final RouteResolver resolver;
  private final long maxBodyBytes;

  Embeddings(Router router, GatewaySettings settings, GatewayMetrics metrics, GatewayTracing tracing) {
    this.router = router;
    this.metrics = metrics;
    this.tracing = tracing;
    this.resolver = new RouteResolver(router.catalog(), settings);
    this.maxBodyBytes = settings.maxBodyBytes();
  }

  void serve(Exchange exchange) {
    exchange.readBody(maxBodyBytes, body -> route(exchange, body));
  }

  private void route(Exchange exchange, byte[] body) {
    EmbeddingFormat.Incoming incoming;
    RouteHints hints;
    try {
      incoming = EmbeddingFormat.decode(body);
      exchange.route(incoming.model());
      Optional<ModelSpec> model = router.catalog().find(ModelId.of(incoming.model()));
      if (model.isEmpty()) {
        exchange.error(ApiError.notFound("the embedding model '" + incoming.model() + "' does not exist; "
            + "GET /v1/models lists the models", "model_not_found", "model"));
        return;
      }
      if (!model.get().isEmbedding()) {
        exchange.error(ApiError.badRequest("the model '" + incoming.model() + "' is a chat model; name an "
            + "embedding model", "invalid_value", "model"));
        return;
      }
      var headers = exchange.request().getHeaders();
      hints = resolver.resolve(incoming.model(), new RouteResolver.HintHeaders(null, null,
          headers.get("X-Sheepdog-Max-Cost-Usd"), null), exchange.requestId(), exchange.client())
          .toBuilder().allowDeferral(false).build();
    } catch (WireFormatException e) {
      exchange.error(ApiError.badRequest(e.getMessage(), e.code(), e.param()));
      return;
    } catch (RouteResolver.RouteException e) {
      exchange.error(e.error());
      return;
    }
    tracing.beginEmbeddings(exchange, incoming.model());
    CompletableFuture<RoutedEmbedding> routed = router.embed(incoming.request(), hints);
    ChatCompletions.watch(exchange, routed);
    routed.whenComplete((answer, failure) -> exchange.guard(() -> {
      if (failure != null) {
        ChatCompletions.failed(exchange, tracing, failure);
        return;
      }
      byte[] json = EmbeddingFormat.encodeAnswer(answer.response(), answer.model().value(), answer.usage());
      ChatCompletions.served(exchange, metrics, answer.model(), answer.attempts().size(), answer.cost(),
          answer.usage());
      tracing.answered(exchange, answer);
      exchange.json(200, json);
    }));
  }
}
