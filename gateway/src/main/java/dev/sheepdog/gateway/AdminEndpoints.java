package dev.sheepdog.gateway;

import dev.sheepdog.core.Router;
import dev.sheepdog.spi.DeferredEntry;
import dev.sheepdog.spi.DeferredQueue;
import dev.sheepdog.wire.openai.WireJson;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin API, behind the admin key: {@code GET /admin/health} (the models' health, traffic and
 * spend), {@code GET /admin/deferred} and {@code GET /admin/deferred/{id}} (the deferred requests,
 * without their messages), {@code POST /admin/deferred/replay} (one pass over the entries that are
 * due) and {@code POST /admin/deferred/{id}/replay} (one entry now). The replays are 404s when the
 * router has no deferred queue.
 */
final class AdminEndpoints {
  private static final Logger log = LoggerFactory.getLogger(AdminEndpoints.class);

  private final Router router;
  /** The queue listed; {@code null} when there is none. */
  private final DeferredQueue deferred;
  /** {@code null} when the router has no deferred queue to replay. */
  private final DeferredReplays replays;

  AdminEndpoints(Router router, DeferredQueue deferred, DeferredReplays replays) {
    this.router = router;
    this.deferred = deferred;
    this.replays = replays;
  }

  void health(Exchange exchange) {
    exchange.json(200, HealthJson.encode(router.healthReport(), router.ledger().snapshot()));
  }

  void deferredList(Exchange exchange) {
    List<Object> entries = new ArrayList<>();
    if (deferred != null) {
      deferred.entries().forEach(entry -> entries.add(DeferredJson.encode(entry)));
    }
    exchange.json(200, WireJson.write(Map.of("object", "list", "data", entries)));
  }

  void deferredEntry(Exchange exchange, String id) {
    Optional<DeferredEntry> entry = deferred == null ? Optional.empty() : deferred.find(id);
    if (entry.isPresent()) {
      exchange.json(200, WireJson.write(DeferredJson.encode(entry.get())));
    } else {
      exchange.error(ApiError.notFound("no deferred request " + RequestIds.echoable(id), "deferred_not_found", "id"));
    }
  }

  void replayDue(Exchange exchange) {
    if (!replayable(exchange)) {
      return;
    }
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

  void replay(Exchange exchange, String id) {
    if (!replayable(exchange)) {
      return;
    }
    DeferredEntry entry = router.deferredQueue().flatMap(queue -> queue.find(id)).orElse(null);
    if (entry == null) {
      exchange.error(ApiError.notFound("no deferred request " + RequestIds.echoable(id), "deferred_not_found", "id"));
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

  /** Whether replay is possible: the router has a deferred queue; answers 404 when it has none. */
  private boolean replayable(Exchange exchange) {
    if (replays != null) {
      return true;
    }
    exchange.error(ApiError.notFound("replay is disabled: the router has no deferred queue", "unknown_url", null));
    return false;
  }
}
