package dev.sheepdog.gateway;

import static dev.sheepdog.gateway.Endpoints.Access.ADMIN;
import static dev.sheepdog.gateway.Endpoints.Access.CLIENT;
import static dev.sheepdog.gateway.Endpoints.Access.PUBLIC;

import dev.sheepdog.core.Router;
import dev.sheepdog.spi.DeferredQueue;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * The gateway's Jetty handler: builds the endpoints and their table ({@link Endpoints}), turns each
 * request into an {@link Exchange}, refuses what no endpoint may see (while draining, past the
 * connection limit, from off the machine in open mode, with a body coding it cannot read), then
 * dispatches. It keeps the exchanges in flight, so that a drain knows when they are done.
 *
 * <p>Never blocks: bodies are read on demand and the router's futures and stream callbacks write
 * the answers, so no thread waits for an upstream.
 */
final class GatewayHandler extends Handler.Abstract.NonBlocking {
  private final Router router;
  private final Endpoints endpoints;
  private final DeferredReplays replays; // null: the router has no deferred queue
  private final ConnectionGuard connections;
  private final OpenAccess openAccess; // null: client keys are configured
  private final Exchange.Context context;
  private final GatewayTracing tracing;
  private final Set<Exchange> inFlight = ConcurrentHashMap.newKeySet();
  private final CompletableFuture<Void> drained = new CompletableFuture<>();
  private volatile boolean draining;

  /**
   * {@code deferred}: the queue the admin lists, or {@code null}; {@code sandbox} serves {@link
   * SandboxFaultsEndpoint#PATH}, or is {@code null} when there is none.
   */
  GatewayHandler(Router router, GatewaySettings settings, GatewayMetrics metrics, DeferredQueue deferred,
      SandboxFaultsEndpoint sandbox, ConnectionGuard connections, Scheduler scheduler, GatewayTracing tracing) {
    this.router = router;
    this.tracing = tracing;
    this.connections = connections;
    ResponseCache cache = ResponseCache.of(settings.cache());
    if (cache != null) {
      metrics.bind(cache);
    }
    Callbacks callbacks = new Callbacks(settings.deferred(), metrics);
    this.replays = router.deferredQueue().isPresent()
        ? new DeferredReplays(router, metrics, settings.deferred(), callbacks) : null;
    ApiKeys keys = new ApiKeys(settings.clientKeys(), settings.adminKey());
    StatusEndpoints status = new StatusEndpoints(router, metrics);
    ChatCompletions chat = new ChatCompletions(router, settings, metrics, cache, tracing, callbacks);
    Embeddings embeddings = new Embeddings(router, settings, metrics, tracing);
    ModelList models = new ModelList(router.catalog(), settings.routes());
    ClientDeferred clientDeferred = new ClientDeferred(deferred);
    AdminEndpoints admin = new AdminEndpoints(router, deferred, replays);
    Dashboard dashboard = Dashboard.load(keys.hasAdminKey());
    Endpoints.Builder table = Endpoints.builder(keys)
        .get("/health", PUBLIC, status::health)
        .get("/ready", PUBLIC, status::ready)
        .get("/metrics", PUBLIC, status::metrics)
        .get(Dashboard.PATH, PUBLIC, dashboard::serve)
        .get("/v1/models", CLIENT, models::serve)
        .post("/v1/chat/completions", CLIENT, chat::serve)
        .post("/v1/embeddings", CLIENT, embeddings::serve)
        .get(ClientDeferred.PATH + "{id}", CLIENT, clientDeferred::serve)
        .get("/admin/health", ADMIN, admin::health)
        .get("/admin/deferred", ADMIN, admin::deferredList)
        .get("/admin/deferred/{id}", ADMIN, admin::deferredEntry)
        .post("/admin/deferred/replay", ADMIN, admin::replayDue)
        .post("/admin/deferred/{id}/replay", ADMIN, admin::replay);
    if (sandbox != null) {
      table.get(SandboxFaultsEndpoint.PATH, ADMIN, sandbox::show)
          .post(SandboxFaultsEndpoint.PATH, ADMIN, sandbox::change);
    }
    this.endpoints = table.build();
    this.openAccess = settings.clientKeys().isEmpty() ? new OpenAccess(settings.host()) : null;
    this.context = new Exchange.Context(metrics, scheduler, settings.limits(), endpoints::label, this::ended);
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) {
    Exchange exchange;
    try {
      exchange = new Exchange(request, response, callback, RequestIds.of(request), context);
    } catch (Throwable failure) {
      callback.failed(failure);
      return true;
    }
    exchange.guard(() -> begin(exchange));
    return true;
  }

  /** The {@code endpoint} label of {@code path}, for exchanges this handler does not see. */
  String endpointLabel(String path) {
    return endpoints.label(path);
  }

  private void begin(Exchange exchange) {
    inFlight.add(exchange);
    Request request = exchange.request();
    try {
      exchange.connection = connections.started(request.getConnectionMetaData().getConnection());
    } catch (ConnectionGuard.ClosingException closing) {
      // the sweep has answered 408 on this connection already; nothing more may be written
      exchange.abort(408, closing);
      return;
    }
    if (draining) {
      exchange.error(ApiError.shuttingDown());
      return;
    }
    if (ConnectionGuard.overLimit(exchange.connection)) {
      exchange.error(ApiError.tooManyConnections());
      return;
    }
    if (openAccess != null) {
      ApiError refusal = openAccess.refusal(request);
      if (refusal != null) {
        exchange.error(refusal);
        return;
      }
    }
    String transfer = request.getHeaders().get(HttpHeader.TRANSFER_ENCODING);
    if (transfer != null && !transfer.strip().equalsIgnoreCase("chunked")) {
      // a coding Jetty would pass through undecoded: the body read would not be the body sent
      exchange.error(new ApiError(501, "only the chunked transfer coding is accepted", "invalid_request_error",
          "unsupported_transfer_encoding", null, null, null));
      return;
    }
    String encoding = request.getHeaders().get(HttpHeader.CONTENT_ENCODING);
    if (encoding != null && !encoding.strip().equalsIgnoreCase("identity")) {
      // bodies are never inflated: no decompression bomb, and no body the size limit did not see
      exchange.error(new ApiError(415, "compressed request bodies are not accepted; send the body uncompressed",
          "invalid_request_error", "unsupported_content_encoding", null, null, null));
      return;
    }
    endpoints.dispatch(exchange);
  }

  private void ended(Exchange exchange) {
    inFlight.remove(exchange);
    tracing.ended(exchange, exchange.endStatus());
    connections.ended(exchange.connection);
    if (draining && inFlight.isEmpty()) {
      drained.complete(null);
    }
  }

  /**
   * Starts the work that runs on its own: replaying deferred requests, when that is configured, and
   * reading the fleet's circuits, when the router shares its state.
   */
  void startBackground() {
    router.fleetSync().start();
    if (replays != null) {
      replays.start();
    }
  }

  /**
   * Stops it: entries being replayed are settled, or claimed again after their lease; the fleet's
   * circuits are no longer read.
   */
  void stopBackground() {
    router.fleetSync().stop();
    if (replays != null) {
      replays.stop();
    }
  }

  /**
   * Refuses new requests from now on (503 with {@code Retry-After}, and the connection closed);
   * the future completes once every exchange in flight has ended.
   */
  CompletableFuture<Void> drain() {
    draining = true;
    if (inFlight.isEmpty()) {
      drained.complete(null);
    }
    return drained;
  }

  /** Ends every exchange still in flight: answers 503, or ends its stream with an error event. */
  int cutInFlight() {
    List<Exchange> open = new ArrayList<>(inFlight);
    open.forEach(Exchange::shutdown);
    return open.size();
  }
}
