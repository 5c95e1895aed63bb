package dev.sheepdog.gateway;

import dev.sheepdog.spi.DeferredEntry;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A deferred request as the admin endpoints show it: its state and routing, not its messages,
 * which are the client's and may be confidential.
 */
final class DeferredJson {
  private DeferredJson() {}

  static Map<String, Object> encode(DeferredEntry entry) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("id", entry.id());
    json.put("request_id", entry.request().idempotencyKey());
    json.put("state", entry.state().name().toLowerCase(Locale.ROOT));
    json.put("deferred_at", entry.request().deferredAtEpochMillis());
    json.put("replays", entry.replays());
    json.put("next_attempt_at", entry.nextAttemptAtEpochMillis());
    json.put("task", entry.request().hints().task().name());
    json.put("priority", entry.request().hints().priority().wireName());
    json.put("pinned", entry.request().hints().pinned().stream().map(m -> m.value()).toList());
    json.put("reason", Failures.mask(entry.request().reason()));
    json.put("last_reason", Failures.mask(entry.lastReason()));
    return json;
  }
}
