package dev.sheepdog.gateway;

import dev.sheepdog.core.RoutedResponse;
import dev.sheepdog.core.Router;
import dev.sheepdog.core.deferred.DeferredReplayListener;
import dev.sheepdog.core.deferred.DeferredReplayer;
import dev.sheepdog.spi.DeferredEntry;
import dev.sheepdog.spi.DeferredState;
import dev.sheepdog.wire.openai.WireJson;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Replays of deferred requests: automatic ones (when {@link DeferredSettings#autoReplay()}) and the
 * admin replay endpoints, on the router's own {@link DeferredReplayer}: {@code POST
 * /admin/deferred/{id}/replay} replays one entry now, due or not; {@code POST
 * /admin/deferred/replay} runs one pass over the entries that are due. A replay is routed like any
 * request (its client tag stays, so its spend is the client's) but without deferral, and settles
 * the entry as the replayer does: delivered, queued again with a longer backoff, or dead-lettered.
 *
 * <p>The answer of a delivered replay is kept with the entry for its client, who fetches it at
 * {@code GET /v1/sheepdog/deferred/{id}} or has it posted to its callback URL; its messages are not
 * the operator's to read, so the admin sees the model, attempts and cost only.
 */
final class DeferredReplays implements DeferredReplayListener<RoutedResponse> {
  private static final Logger log = LoggerFactory.getLogger(DeferredReplays.class);

  private final DeferredReplayer<RoutedResponse> replayer;
  private final GatewayMetrics metrics;
  private final DeferredSettings settings;
  private final Callbacks callbacks;
  /** Ids an admin asked to replay; the listener keeps their answers until the admin is answered. */
  private final Set<String> awaiting = ConcurrentHashMap.newKeySet();
  private final Map<String, RoutedResponse> answers = new ConcurrentHashMap<>();

  DeferredReplays(Router router, GatewayMetrics metrics, DeferredSettings settings, Callbacks callbacks) {
    this.metrics = metrics;
    this.settings = settings;
    this.callbacks = callbacks;
    this.replayer = router.replayer(this, settings.policy());
  }

  /** Starts automatic replay if it is configured. */
  void start() {
    if (settings.autoReplay()) {
      replayer.start();
    }
  }

  /** Stops automatic replay; replays running go on, and entries they do not settle are claimed again later. */
  void stop() {
    replayer.stop();
  }

  /** The settled entry as JSON, or empty when it is not queued or a replay of it is under way. */
  CompletableFuture<Optional<Map<String, Object>>> replay(String id) {
    awaiting.add(id);
    return replayer.replayNow(id).handle((settled, failure) -> {
      RoutedResponse answer = answers.remove(id);
      awaiting.remove(id);
      if (failure != null) {
        throw new IllegalStateException("the replay of " + id + " failed in the gateway", failure);
      }
      return settled.map(entry -> outcome(entry, answer));
    });
  }

  /** One pass over the due entries, as JSON. */
  CompletableFuture<Map<String, Object>> replayDue() {
    return replayer.replayDue().thenApply(pass -> {
      Map<String, Object> json = new LinkedHashMap<>();
      json.put("object", "deferred.replay_pass");
      json.put("replayed", pass.replayed());
      json.put("delivered", pass.delivered());
      json.put("failed", pass.failed());
      json.put("dead_lettered", pass.deadLettered());
      return json;
    });
  }

  private static Map<String, Object> outcome(DeferredEntry entry, RoutedResponse answer) {
    Map<String, Object> json = new LinkedHashMap<>(DeferredJson.encode(entry));
    json.put("outcome", switch (entry.state()) {
      case DELIVERED -> "delivered";
      case DEAD_LETTERED -> "dead_lettered";
      case QUEUED, REPLAYING -> "failed";
    });
    if (entry.state() == DeferredState.DELIVERED && answer != null) {
      json.put("model", answer.model().value());
      json.put("attempts", answer.attempts().size());
      json.put("cost_usd", answer.cost().toUsdString());
    }
    return json;
  }

  @Override
  public void onDelivered(DeferredEntry entry, RoutedResponse result) {
    if (awaiting.contains(entry.id())) {
      answers.put(entry.id(), result);
    }
    metrics.replayed("delivered");
    entry.request().hints().tags().stream().filter(tag -> tag.startsWith("client:")).findFirst()
        .ifPresent(client -> metrics.clientSpend(client, result.usage(), result.cost()));
    log.info("deferred {} (request {}) delivered by {} after {} attempts, cost_usd={}", entry.id(),
        entry.request().idempotencyKey(), result.model(), result.attempts().size(), result.cost().toUsdString());
    String callback = entry.request().hints().attributes().get(Callbacks.ATTRIBUTE);
    if (callback != null) {
      callbacks.post(callback, entry.id(), WireJson.write(ClientDeferred.encode(entry)));
    }
  }

  @Override
  public void onReplayFailed(DeferredEntry entry, String reason) {
    metrics.replayed("failed");
    log.info("deferred {} (request {}) failed its replay {}: {}", entry.id(), entry.request().idempotencyKey(),
        entry.replays(), Failures.mask(reason));
  }

  @Override
  public void onDeadLettered(DeferredEntry entry, String reason) {
    metrics.replayed("dead_lettered");
    log.warn("deferred {} (request {}) dead-lettered after {} replays: {}", entry.id(),
        entry.request().idempotencyKey(), entry.replays(), Failures.mask(reason));
  }
}
