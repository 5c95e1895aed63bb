package dev.sheepdog.gateway;

import dev.sheepdog.core.RoutedResponse;
import dev.sheepdog.spi.DeferredAnswer;
import dev.sheepdog.spi.DeferredEntry;
import dev.sheepdog.spi.DeferredQueue;
import dev.sheepdog.spi.Usage;
import dev.sheepdog.wire.openai.WireJson;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A deferred request as its own client sees it, at {@code GET /v1/sheepdog/deferred/{id}} and in
 * callbacks: where it stands and, once a replay delivered it, the chat completion in OpenAI's shape.
 * A client sees only the entries made with its own key: an entry is the client's when it carries
 * the client's tag, which the gateway gave the request when it came in.
 */
final class ClientDeferred {
  /** Where a client fetches a deferred request; the id follows. */
  static final String PATH = "/v1/sheepdog/deferred/";

  /** The queue the entries are found in; {@code null} when there is none. */
  private final DeferredQueue deferred;

  ClientDeferred(DeferredQueue deferred) {
    this.deferred = deferred;
  }

  /** {@code GET /v1/sheepdog/deferred/{id}}: the client's own entry; another client's, like an unknown id, is a 404. */
  void serve(Exchange exchange, String id) {
    DeferredEntry entry = deferred == null || !RequestIds.isSafe(id) ? null
        : deferred.find(id).filter(found -> ownedBy(found, exchange.client())).orElse(null);
    if (entry == null) {
      exchange.error(ApiError.notFound("no deferred request " + RequestIds.echoable(id) + " of this API key",
          "deferred_not_found", "id"));
      return;
    }
    exchange.json(200, WireJson.write(encode(entry)));
  }

  static String url(String id) {
    return PATH + id;
  }

  /** Whether the client with {@code clientTag} made the entry. */
  static boolean ownedBy(DeferredEntry entry, String clientTag) {
    return entry.request().hints().tags().contains(clientTag);
  }

  static Map<String, Object> encode(DeferredEntry entry) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("id", entry.id());
    json.put("object", "sheepdog.deferred_request");
    json.put("status", entry.state().name().toLowerCase(Locale.ROOT));
    json.put("request_id", entry.request().idempotencyKey());
    json.put("created", entry.request().deferredAtEpochMillis() / 1000);
    json.put("replays", entry.replays());
    switch (entry.state()) {
      case QUEUED -> json.put("next_attempt_at", entry.nextAttemptAtEpochMillis() / 1000);
      case DEAD_LETTERED -> json.put("error", Map.of("message", Failures.mask(entry.lastReason()),
          "type", "server_error", "code", "deferred_dead_lettered"));
      case DELIVERED -> entry.delivered().ifPresent(answer -> delivered(json, entry, answer));
      case REPLAYING -> { }
    }
    return json;
  }

  private static void delivered(Map<String, Object> json, DeferredEntry entry, DeferredAnswer answer) {
    json.put("delivered_at", answer.deliveredAtEpochMillis() / 1000);
    json.put("model", answer.model().value());
    json.put("cost_usd", answer.cost().toUsdString());
    Usage usage = answer.response().usage() != null ? answer.response().usage() : Usage.NONE;
    RoutedResponse routed = new RoutedResponse(entry.request().idempotencyKey(), answer.response(), answer.model(),
        List.of(), Duration.ZERO, usage, answer.cost());
    json.put("completion", WireJson.parseStrict(ChatCompletions.answerBytes(routed, answer.deliveredAtEpochMillis() / 1000)));
  }
}
