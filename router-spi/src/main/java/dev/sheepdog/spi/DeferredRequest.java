package dev.sheepdog.spi;

/**
 * A request that failed on every model, parked for replay. Plain data, so a durable queue can
 * serialize it.
 *
 * @param id the id the caller was given
 * @param idempotencyKey stays the same across replays, so that a replay delivered twice (a durable
 *     queue replays at least once) can be recognised downstream
 * @param request what to send again
 * @param hints how to route it (its deadline applies to each replay)
 * @param deferredAtEpochMillis when it was parked
 * @param reason why the original attempt failed
 */
public record DeferredRequest(
    String id, String idempotencyKey, ChatRequest request, RouteHints hints, long deferredAtEpochMillis, String reason) {
  public DeferredRequest {
    Checks.notBlank(id, "deferred id");
    Checks.notBlank(idempotencyKey, "idempotency key");
    Checks.notNull(request, "request");
    Checks.notNull(hints, "hints");
    reason = reason == null ? "" : reason;
  }
}
