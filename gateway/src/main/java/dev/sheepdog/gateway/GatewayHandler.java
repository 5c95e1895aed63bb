package dev.sheepdog.gateway;

import dev.sheepdog.wire.openai.ChatRequestFormat;
import dev.sheepdog.wire.openai.WireFormatException;
import dev.sheepdog.wire.openai.WireJson;
import dev.sheepdog.core.Router;
import dev.sheepdog.spi.CircuitState;
import dev.sheepdog.spi.DeferredEntry;
import dev.sheepdog.spi.DeferredQueue;
import dev.sheepdog.spi.ModelSpec;
import dev.sheepdog.spi.RouteHints;
import dev.sheepdog.spi.TaskType;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Dispatches the gateway's endpoints. Never blocks: bodies are read on demand and the router's
 * futures and stream callbacks write the answers, so no thread waits for an upstream.
 */
final class GatewayHandler extends Handler.Abstract.NonBlocking {
  private static final Logger log = LoggerFactory.getLogger(GatewayHandler.class);
  private static final String DEFERRED_PREFIX = "/admin/deferred/";
  private static final String REPLAY_SUFFIX = "/replay";
  private static final int MAX_REQUEST_ID = 128;
  private static final Pattern SAFE_REQUEST_ID = Pattern.compile("[A-Za-z0-9._:\\-]{1," + MAX_REQUEST_ID + "}");

  private final Router router;
  private final GatewayMetrics metrics;
  private final DeferredQueue deferred;
  private final GatewayConfig config;
  private final RouteResolver resolver;
  private final ChatCompletions completions;
  private final List<byte[]> clientKeys;
  /** The spend tag of each configured key, in the order of {@link #clientKeys}; hashed once, not per request. */
  private final List<String> clientTags;
  private final byte[] adminKey;
  private final Dashboard dashboard = Dashboard.load();
  private final SandboxFaultsEndpoint sandbox; // null: no sandbox providers, no endpoint
  private final DeferredReplays replays;
  private final Callbacks callbacks;
  private final ConnectionGuard connections;
  private final OpenAccess openAccess; // null: client keys are configured
  private final Exchange.Context context;
  private final GatewayTracing tracing;
  private final Set<Exchange> inFlight = ConcurrentHashMap.newKeySet();
  private final CompletableFuture<Void> drained = new CompletableFuture<>();
  private volatile boolean draining;

  /** {@code sandbox} serves {@link SandboxFaultsEndpoint#PATH}, or is {@code null} when there is none. */
  GatewayHandler(Router router, GatewayConfig config, GatewayMetrics metrics, DeferredQueue deferred,
      SandboxFaultsEndpoint sandbox, ConnectionGuard connections, Scheduler scheduler, GatewayTracing tracing) {
    this.router = router;
    this.tracing = tracing;
    this.sandbox = sandbox;
    this.deferred = deferred;
    this.metrics = metrics;
    this.config = config;
    this.connections = connections;
    this.resolver = new RouteResolver(router.catalog(), config);
    ResponseCache cache = ResponseCache.of(config.cache());
    if (cache != null) {
      metrics.bind(cache);
    }
    this.completions = new ChatCompletions(router, metrics, cache, tracing);
    this.clientKeys = config.clientKeys().stream().map(k -> k.getBytes(StandardCharsets.UTF_8)).toList();
    this.clientTags = config.clientKeys().stream().map(GatewayHandler::clientTag).toList();
    this.adminKey = config.adminKey() == null ? null : config.adminKey().getBytes(StandardCharsets.UTF_8);
    this.callbacks = new Callbacks(config.deferred(), metrics);
    this.replays = router.deferredQueue().isPresent()
        ? new DeferredReplays(router, metrics, config.deferred(), callbacks) : null;
    this.openAccess = config.clientKeys().isEmpty() ? new OpenAccess(config.host()) : null;
    this.context = new Exchange.Context(metrics, scheduler, config.limits(), this::ended);
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) {
    Exchange exchange;
    try {
      exchange = new Exchange(request, response, callback, requestId(request), context);
    } catch (Throwable failure) {
      callback.failed(failure);
      return true;
    }
    exchange.guard(() -> begin(exchange));
    return true;
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
    dispatch(exchange, request.getMethod(), Request.getPathInContext(request));
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

  private void dispatch(Exchange exchange, String method, String path) {
    switch (path) {
      case "/health" -> {
        if (allowed(exchange, method, "GET")) {
          exchange.json(200, "{\"status\":\"ok\"}");
        }
      }
      case "/ready" -> {
        if (allowed(exchange, method, "GET")) {
          boolean ready = router.healthReport().models().stream()
              .anyMatch(m -> m.state() != CircuitState.OPEN && m.coolDownUntilEpochMillis() == null);
          exchange.json(ready ? 200 : 503, ready ? "{\"status\":\"ready\"}" : "{\"status\":\"no model is admissible\"}");
        }
      }
      case "/v1/models" -> {
        if (allowed(exchange, method, "GET") && authenticated(exchange) != null) {
          exchange.json(200, models());
        }
      }
      case "/v1/chat/completions" -> {
        if (allowed(exchange, method, "POST")) {
          String clientTag = authenticated(exchange);
          if (clientTag != null) {
            exchange.client(clientTag);
            chatCompletions(exchange, clientTag);
          }
        }
      }
      case "/metrics" -> {
        if (allowed(exchange, method, "GET")) {
          exchange.text(200, "text/plain; version=0.0.4; charset=utf-8", metrics.scrape());
        }
      }
      case "/admin/health" -> {
        if (allowed(exchange, method, "GET") && admin(exchange)) {
          exchange.json(200, HealthJson.encode(router.healthReport(), router.ledger().snapshot()));
        }
      }
      case Dashboard.PATH -> {
        if (allowed(exchange, method, "GET")) {
          dashboard.serve(exchange, adminKey != null);
        }
      }
      case "/admin/deferred" -> {
        if (allowed(exchange, method, "GET") && admin(exchange)) {
          List<Object> entries = new ArrayList<>();
          if (deferred != null) {
            deferred.entries().forEach(entry -> entries.add(DeferredJson.encode(entry)));
          }
          exchange.json(200, WireJson.write(Map.of("object", "list", "data", entries)));
        }
      }
      case SandboxFaultsEndpoint.PATH -> {
        if (sandbox == null) {
          exchange.error(ApiError.notFound("no endpoint " + method + " " + path, "unknown_url", null));
        } else if (admin(exchange)) {
          sandbox.handle(exchange, method);
        }
      }
      case "/admin/deferred/replay" -> {
        if (allowed(exchange, method, "POST") && admin(exchange) && replayable(exchange)) {
          replays.replayDue().whenComplete((pass, failure) -> exchange.guard(() -> {
            if (failure != null) {
              log.error("request {}: the replay pass failed in the gateway", exchange.requestId(), failure);
              exchange.error(ApiError.internal());
            } else {
              pass.put("queued", router.deferredQueue().map(DeferredQueue::queued).orElse(0));
              exchange.json(200, WireJson.write(pass));
            }
          }));
        }
      }
      default -> {
        if (path.startsWith(DEFERRED_PREFIX) && path.endsWith(REPLAY_SUFFIX)) {
          if (allowed(exchange, method, "POST") && admin(exchange) && replayable(exchange)) {
            replayOne(exchange, path.substring(DEFERRED_PREFIX.length(), path.length() - REPLAY_SUFFIX.length()));
          }
        } else if (path.startsWith(ClientDeferred.PATH)) {
          if (allowed(exchange, method, "GET")) {
            String clientTag = authenticated(exchange);
            if (clientTag != null) {
              clientDeferred(exchange, path.substring(ClientDeferred.PATH.length()), clientTag);
            }
          }
        } else if (path.startsWith(DEFERRED_PREFIX)) {
          if (allowed(exchange, method, "GET") && admin(exchange)) {
            String id = path.substring(DEFERRED_PREFIX.length());
            var entry = deferred == null ? java.util.Optional.<DeferredEntry>empty() : deferred.find(id);
            if (entry.isPresent()) {
              exchange.json(200, WireJson.write(DeferredJson.encode(entry.get())));
            } else {
              exchange.error(ApiError.notFound("no deferred request " + safeId(id), "deferred_not_found", "id"));
            }
          }
        } else {
          exchange.error(ApiError.notFound("no endpoint " + method + " " + path, "unknown_url", null));
        }
      }
    }
  }

  /** Whether replay is possible: the router has a deferred queue; answers 404 when it has none. */
  private boolean replayable(Exchange exchange) {
    if (replays != null) {
      return true;
    }
    exchange.error(ApiError.notFound("replay is disabled: the router has no deferred queue", "unknown_url", null));
    return false;
  }

  private void replayOne(Exchange exchange, String id) {
    DeferredEntry entry = router.deferredQueue().flatMap(queue -> queue.find(id)).orElse(null);
    if (entry == null) {
      exchange.error(ApiError.notFound("no deferred request " + safeId(id), "deferred_not_found", "id"));
      return;
    }
    replays.replay(id).whenComplete((settled, failure) -> exchange.guard(() -> {
      if (failure != null) {
        log.error("request {}: the replay of {} failed in the gateway", exchange.requestId(), entry.id(), failure);
        exchange.error(ApiError.internal());
      } else if (settled.isEmpty()) {
        exchange.error(new ApiError(409, "deferred request " + entry.id() + " is not queued or is being replayed",
            "invalid_request_error", "deferred_not_replayable", "id", null, null));
      } else {
        exchange.json(200, WireJson.write(settled.get()));
      }
    }));
  }

  /** A client's own deferred request; another client's, like an unknown id, is a 404. */
  private void clientDeferred(Exchange exchange, String id, String clientTag) {
    DeferredEntry entry = deferred == null || !SAFE_REQUEST_ID.matcher(id).matches() ? null
        : deferred.find(id).filter(found -> ClientDeferred.ownedBy(found, clientTag)).orElse(null);
    if (entry == null) {
      exchange.error(ApiError.notFound("no deferred request " + safeId(id) + " of this API key", "deferred_not_found",
          "id"));
      return;
    }
    exchange.json(200, WireJson.write(ClientDeferred.encode(entry)));
  }

  /** An id from the path, safe to echo; the queue's ids are {@code def-} and a UUID. */
  private static String safeId(String id) {
    return SAFE_REQUEST_ID.matcher(id).matches() ? id : "(invalid id)";
  }

  private void chatCompletions(Exchange exchange, String clientTag) {
    exchange.readBody(config.maxBodyBytes(), body -> route(exchange, body, clientTag));
  }

  private void route(Exchange exchange, byte[] body, String clientTag) {
    ChatRequestFormat.Incoming incoming;
    RouteHints hints;
    ResponseCache.Mode cacheMode;
    try {
      incoming = ChatRequestFormat.decode(body);
      exchange.route(incoming.model());
      var headers = exchange.request().getHeaders();
      hints = resolver.resolve(incoming.model(), new RouteResolver.HintHeaders(headers.get("X-Sheepdog-Task"),
          headers.get("X-Sheepdog-Priority"), headers.get("X-Sheepdog-Max-Cost-Usd"),
          headers.get("X-Sheepdog-Allow-Defer")), exchange.requestId(), clientTag);
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
      completions.stream(exchange, incoming, hints, cacheMode);
    } else {
      completions.complete(exchange, incoming, hints, cacheMode);
    }
  }

  private String models() {
    List<Object> data = new ArrayList<>();
    for (ModelSpec spec : router.catalog().models()) {
      data.add(model(spec.id().value(), spec.provider().value()));
    }
    data.add(model(RouteResolver.AUTO, "sheepdog"));
    for (TaskType task : config.routes()) {
      for (String priority : List.of("fast", "normal", "high")) {
        data.add(model(task.name() + ":" + priority, "sheepdog"));
      }
    }
    return WireJson.write(Map.of("object", "list", "data", data));
  }

  private static Map<String, Object> model(String id, String owner) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("id", id);
    json.put("object", "model");
    json.put("created", 0);
    json.put("owned_by", owner);
    return json;
  }

  private static boolean allowed(Exchange exchange, String method, String expected) {
    if (method.equals(expected)) {
      return true;
    }
    exchange.response().getHeaders().put("Allow", expected);
    exchange.error(new ApiError(405, "use " + expected + " on this endpoint", "invalid_request_error",
        "method_not_allowed", null, null, null));
    return false;
  }

  /**
   * The tag spend is attributed to ({@code client:} and a hash of the key, never the key), or
   * {@code null} after answering 401. Without configured keys every client is {@code client:open}.
   */
  private String authenticated(Exchange exchange) {
    if (clientKeys.isEmpty()) {
      return GatewayServer.CLIENT_TAG_PREFIX + "open";
    }
    String key = bearer(exchange.request());
    if (key == null) {
      exchange.error(ApiError.unauthorized("missing Authorization: Bearer <key> header"));
      return null;
    }
    byte[] given = key.getBytes(StandardCharsets.UTF_8);
    String tag = null;
    for (int i = 0; i < clientKeys.size(); i++) {
      // constant-time, and every key is compared, so response timing does not leak how much of a key was right
      if (MessageDigest.isEqual(clientKeys.get(i), given) && tag == null) {
        tag = clientTags.get(i);
      }
    }
    if (tag == null) {
      exchange.error(ApiError.unauthorized("the API key is not valid for this gateway"));
      return null;
    }
    return tag;
  }

  /** {@code client:} and the first 12 hex digits of the key's SHA-256. */
  static String clientTag(String key) {
    return GatewayServer.CLIENT_TAG_PREFIX + sha256(key).substring(0, 12);
  }

  /** Whether the admin key was given; answers 404 when none is configured and 401 when it is wrong. */
  private boolean admin(Exchange exchange) {
    if (adminKey == null) {
      exchange.error(ApiError.notFound("the admin endpoints are disabled: no admin key is configured", "unknown_url",
          null));
      return false;
    }
    String key = bearer(exchange.request());
    if (key == null || !MessageDigest.isEqual(adminKey, key.getBytes(StandardCharsets.UTF_8))) {
      exchange.error(ApiError.unauthorized("the admin endpoints need the admin key"));
      return false;
    }
    return true;
  }

  static String bearer(Request request) {
    String header = request.getHeaders().get(HttpHeader.AUTHORIZATION);
    if (header == null || header.length() < 7 || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return null;
    }
    String key = header.substring(7).strip();
    return key.isEmpty() ? null : key;
  }

  private static String sha256(String text) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
          .digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from the JDK", e);
    }
  }

  static String requestId(Request request) {
    String given = request.getHeaders().get(ChatCompletions.Headers.REQUEST_ID);
    // an id that could break a header or a log line is replaced, not echoed
    return given != null && given.length() <= MAX_REQUEST_ID && SAFE_REQUEST_ID.matcher(given).matches() ? given
        : "req-" + randomUuid();
  }

  /**
   * A version 4 UUID drawn from {@link ThreadLocalRandom}. A request id has to be unique, not
   * unguessable; {@code UUID.randomUUID()} takes SecureRandom's lock and reads {@code /dev/urandom}
   * on every request, which the load test showed as lock contention between request threads.
   */
  static UUID randomUuid() {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    long high = (random.nextLong() & ~0xF000L) | 0x4000L;
    long low = (random.nextLong() & ~0xC000_0000_0000_0000L) | 0x8000_0000_0000_0000L;
    return new UUID(high, low);
  }
}
