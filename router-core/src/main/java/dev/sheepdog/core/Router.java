package dev.sheepdog.core;

import dev.sheepdog.core.alert.AlertMonitor;
import dev.sheepdog.core.cost.BudgetGuard;
import dev.sheepdog.core.cost.SpendLedger;
import dev.sheepdog.core.deferred.DeferredReplayListener;
import dev.sheepdog.core.deferred.DeferredReplayer;
import dev.sheepdog.core.deferred.ReplayFailure;
import dev.sheepdog.core.deferred.ReplayPolicy;
import dev.sheepdog.spi.Candidate;
import dev.sheepdog.spi.ChatRequest;
import dev.sheepdog.spi.EmbeddingRequest;
import dev.sheepdog.spi.CircuitState;
import dev.sheepdog.spi.DeferredAnswer;
import dev.sheepdog.spi.DeferredQueue;
import dev.sheepdog.spi.ModelCatalog;
import dev.sheepdog.spi.ModelId;
import dev.sheepdog.spi.RouteHints;
import dev.sheepdog.spi.RouterEvent;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Routes chat requests across models: plans with a {@link dev.sheepdog.spi.SelectionStrategy},
 * admits each model through its circuit breaker and cool-down, calls its provider, fails over on
 * transient failures, retries the plan in rounds with backoff, and keeps every request within its
 * deadline.
 *
 * <pre>{@code
 * Router router = Router.builder()
 *     .catalog(catalog)
 *     .provider(holySheep)
 *     .build();
 * RoutedResponse answer = router.route(ChatRequest.ofUser("Hi"), RouteHints.DEFAULT).join();
 * }</pre>
 *
 * This class is the router's public face. The engine behind it is package-private: the {@link
 * Fleet} owns the models' state, a {@link RoutingContext} holds what requests share, and each
 * request is a {@link RouteExecution} with one terminal claim (see there).
 *
 * <p>Thread-safe; one router serves a whole application.
 */
public final class Router {
  private final RoutingContext context;
  private final Fleet fleet;
  private final ModelCatalog catalog;
  private final AlertMonitor alerts;
  private final BudgetGuard budget;
  private final FleetSync fleetSync;
  private final AtomicLong sequence = new AtomicLong();
  private final String idPrefix = "req-" + Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xffffffL) + "-";

  Router(RouterBuilder b) {
    RouterListeners listeners = new RouterListeners(b.listeners);
    this.catalog = b.catalog;
    this.alerts = new AlertMonitor(b.alertRules, b.ticker, listeners);
    this.budget = new BudgetGuard(b.ledger, b.caps, listeners, b.ticker);
    this.fleet = new Fleet(b.catalog, b.providers.values(), b.strategy, b.ticker, b.settings.circuit(),
        b.statsConfig, budget, alerts, this::onCircuitTransition, b.shared, b.fleetSettings);
    this.fleetSync = new FleetSync(fleet, b.scheduler, b.fleetSettings);
    this.context = new RoutingContext(b.ticker, b.scheduler, b.settings, b.estimator, fleet, budget, listeners,
        b.deferredQueue, b.hedging, b.hedgingByTask);
  }

  public static RouterBuilder builder() {
    return new RouterBuilder();
  }

  /**
   * The reads that keep this router's circuits in line with the fleet's, when its state is shared
   * ({@link RouterBuilder#state}); start it with the server and stop it with it.
   */
  public FleetSync fleetSync() {
    return fleetSync;
  }

  /** Whether this router shares limits, spend and circuits with other instances. */
  public boolean sharesState() {
    return fleet.sharedState() != null;
  }

  /**
   * Routes one request. The future completes with the answer, or exceptionally with a {@link
   * RoutingException}: {@link AllModelsFailedException}, {@link RequestRejectedException}, {@link
   * RequestNotServableException} (before any call, when no planned model could ever take it),
   * {@link BudgetExceededException} or {@link DeadlineExceededException}. Never blocks.
   *
   * <p>Cancelling (or completing) the future ends the request and cancels the call in flight,
   * unless the request's end is already decided — an answer being delivered, a failure being
   * deferred — in which case {@code cancel} returns {@code false} and the future completes with
   * that end, deferred id included.
   */
  public CompletableFuture<RoutedResponse> route(ChatRequest request, RouteHints hints) {
    Objects.requireNonNull(request, "request");
    Objects.requireNonNull(hints, "hints");
    CompletionExecution execution = new CompletionExecution(context, request.withStream(false), hints,
        requestId(hints));
    context.hedgeBudget.recordRequest();
    execution.start();
    return execution.future;
  }

  /** Routes one request as a stream; see {@link RoutedStreamListener} for what arrives. */
  public RoutedStream stream(ChatRequest request, RouteHints hints, RoutedStreamListener listener) {
    Objects.requireNonNull(request, "request");
    Objects.requireNonNull(hints, "hints");
    Objects.requireNonNull(listener, "listener");
    StreamExecution execution = new StreamExecution(context, request, hints, requestId(hints), listener);
    execution.start();
    return execution;
  }

  /**
   * Embeds the request's inputs with the models the hints pin ({@link RouteHints#pinned()}), in
   * order: the first, then on a transient failure the next of the same vector space and size, with
   * the same admission, limits, circuits, retries, deadline and spend ledger as {@link #route}.
   * Embedding requests are never deferred or hedged: a vector is wanted now or not at all. The
   * future completes with the vectors or exceptionally with a {@link RoutingException}; never blocks.
   */
  public CompletableFuture<RoutedEmbedding> embed(EmbeddingRequest request, RouteHints hints) {
    Objects.requireNonNull(request, "request");
    Objects.requireNonNull(hints, "hints");
    EmbeddingExecution execution = new EmbeddingExecution(context, request, hints, requestId(hints),
        EmbeddingExecution.estimateTokens(request));
    execution.start();
    return execution.future;
  }

  private String requestId(RouteHints hints) {
    return hints.requestId() != null ? hints.requestId() : idPrefix + sequence.incrementAndGet();
  }

  public ModelCatalog catalog() {
    return catalog;
  }

  /** A snapshot of every model's health, in catalog order. */
  public HealthReport healthReport() {
    return fleet.healthReport();
  }

  /** The live health of one model, as strategies see it. */
  public Candidate candidate(ModelId model) {
    ModelHealth health = fleet.model(model);
    if (health == null) {
      throw new IllegalArgumentException("unknown model " + model);
    }
    return health;
  }

  /** How many times a listener threw (and was ignored). */
  public long listenerFailures() {
    return context.listeners.failures();
  }

  /** Money spent through this router: per model, route and tag, with daily windows. */
  public SpendLedger ledger() {
    return budget.ledger();
  }

  /** Alerts that fired or resolved recently, oldest first. */
  public List<RouterEvent.Alert> recentAlerts() {
    return alerts.recent();
  }

  /**
   * Reports an alert from outside the router (a state store whose writes fail, the application):
   * it starts an episode of {@code type} for {@code subject} unless one runs, or ends it when {@code
   * alert.resolved()}, and like the router's own alerts goes to the listeners and the recent list
   * once per episode.
   */
  public void report(RouterEvent.Alert alert) {
    if (alert.resolved()) {
      alerts.resolve(alert.type(), alert.subject(), alert.message());
    } else {
      alerts.raise(alert.type(), alert.subject(), alert.message());
    }
  }

  /** The deferred queue, if one is configured. */
  public Optional<DeferredQueue> deferredQueue() {
    return context.deferredQueue();
  }

  /**
   * A replayer that drains the deferred queue through this router, delivering each outcome to
   * {@code listener} and keeping each answer (model, response, cost) with its entry; call {@code
   * start()} on it for automatic replay with backoff. A replay that ends in a failure no replay can
   * cure (the request rejected by a model, not servable by its plan, or refused by a rejecting
   * budget) dead-letters the entry at once; a replay that could call no model (every circuit open,
   * every model at its limit) is not counted and comes back when the router expects a model to
   * take requests again.
   */
  public DeferredReplayer<RoutedResponse> replayer(DeferredReplayListener<RoutedResponse> listener,
      ReplayPolicy policy) {
    DeferredQueue queue = context.deferredQueue()
        .orElseThrow(() -> new IllegalStateException("this router has no deferred queue; give one to the builder"));
    return new DeferredReplayer<>(queue,
        deferred -> route(deferred.request(), deferred.hints().toBuilder().allowDeferral(false).build()),
        answer -> new DeferredAnswer(answer.model(), answer.response(), answer.cost(), context.ticker.epochMillis()),
        listener, policy, context.ticker, context.scheduler, Router::judgeReplayFailure);
  }

  private static ReplayFailure judgeReplayFailure(Throwable failure) {
    if (failure instanceof RequestRejectedException || failure instanceof RequestNotServableException
        || failure instanceof BudgetExceededException) {
      return ReplayFailure.giveUp();
    }
    // not tried: no model was admissible yet, and the router says when one will be; a failure
    // without that time (no model planned, the strategy failed) is no waiting matter and is counted
    if (failure instanceof AllModelsFailedException all && all.attempts().isEmpty() && all.retryAfter().isPresent()) {
      return ReplayFailure.notTried(all.retryAfter().get());
    }
    return ReplayFailure.retry();
  }

  /** Tokens reserved in {@code model}'s limiter by calls not settled yet; for tests of that invariant. */
  long openReservations(ModelId model) {
    return fleet.model(model).openReservations();
  }

  /** Circuits change state only once requests run, so the context is there by then. */
  private void onCircuitTransition(ModelId model, CircuitState from, CircuitState to) {
    if (context.listening()) {
      context.emit(new RouterEvent.CircuitTransition(model, from, to, context.ticker.epochMillis()));
    }
    alerts.onCircuitTransition(model, from, to);
  }
}
