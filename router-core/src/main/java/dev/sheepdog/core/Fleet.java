package dev.sheepdog.core;

import dev.sheepdog.core.alert.AlertMonitor;
import dev.sheepdog.core.cost.BudgetDecision;
import dev.sheepdog.core.cost.BudgetGuard;
import dev.sheepdog.core.cost.SpendLedger;
import dev.sheepdog.core.limit.Admission;
import dev.sheepdog.core.limit.BurstPolicy;
import dev.sheepdog.core.limit.ModelRateLimiter;
import dev.sheepdog.core.stats.ModelStats;
import dev.sheepdog.core.stats.StatsConfig;
import dev.sheepdog.spi.AlertType;
import dev.sheepdog.spi.Candidate;
import dev.sheepdog.spi.ChatProvider;
import dev.sheepdog.spi.ChatRequest;
import dev.sheepdog.spi.EmbeddingRequest;
import dev.sheepdog.spi.EmbeddingSpec;
import dev.sheepdog.spi.CircuitState;
import dev.sheepdog.spi.ModelCatalog;
import dev.sheepdog.spi.ModelId;
import dev.sheepdog.spi.ModelSpec;
import dev.sheepdog.spi.PlanRequest;
import dev.sheepdog.spi.RateLimits;
import dev.sheepdog.spi.SharedState;
import dev.sheepdog.spi.SharedStateUnavailableException;
import dev.sheepdog.spi.ProviderException;
import dev.sheepdog.spi.ProviderId;
import dev.sheepdog.spi.RouteHints;
import dev.sheepdog.spi.SelectionStrategy;
import dev.sheepdog.spi.SkipReason;
import dev.sheepdog.spi.Ticker;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The router's models and what it knows about each: health and circuit ({@link ModelHealth}),
 * rate limiter, the provider that serves it, and whether that provider is isolated after refusing
 * its credentials. Plans requests over these models and decides, per model and instant, whether a
 * call may go ({@link #admit}); executions act on the answer and never reach into the models'
 * state otherwise.
 *
 * <p>Thread-safe: every piece of state is per model and lock-free (the breaker's and limiter's
 * atomics, one {@code AtomicLong} per isolated provider); the maps are built once.
 */
final class Fleet {
  private final Ticker ticker;
  private final CircuitBreakerConfig circuit;
  private final SelectionStrategy strategy;
  private final BudgetGuard budget;
  private final AlertMonitor alerts;
  private final Map<ProviderId, ChatProvider> providers;
  private final Map<ModelId, ModelHealth> models;
  private final List<Candidate> candidates;
  private final Map<ProviderId, AtomicLong> unauthorizedUntil = new ConcurrentHashMap<>();
  /** The state shared with other instances, or {@code null} when this router is on its own. */
  private final SharedState shared;
  private final FleetSettings fleetSettings;

  Fleet(ModelCatalog catalog, Collection<ChatProvider> providers, SelectionStrategy strategy, Ticker ticker,
      CircuitBreakerConfig circuit, StatsConfig stats, BudgetGuard budget, AlertMonitor alerts,
      CircuitBreaker.TransitionListener transitions) {
    this(catalog, providers, strategy, ticker, circuit, stats, budget, alerts, transitions, null,
        FleetSettings.DEFAULTS);
  }

  Fleet(ModelCatalog catalog, Collection<ChatProvider> providers, SelectionStrategy strategy, Ticker ticker,
      CircuitBreakerConfig circuit, StatsConfig stats, BudgetGuard budget, AlertMonitor alerts,
      CircuitBreaker.TransitionListener transitions, SharedState shared, FleetSettings fleetSettings) {
    this.shared = shared;
    this.fleetSettings = fleetSettings;
    this.ticker = ticker;
    this.circuit = circuit;
    this.strategy = strategy;
    this.budget = budget;
    this.alerts = alerts;
    Map<ProviderId, ChatProvider> byProvider = new LinkedHashMap<>();
    providers.forEach(p -> byProvider.put(p.id(), p));
    this.providers = Map.copyOf(byProvider);
    Map<ModelId, ModelHealth> byId = new LinkedHashMap<>();
    for (ModelSpec spec : catalog.models()) {
      CircuitBreaker breaker = new CircuitBreaker(spec.id(), circuit, transitions);
      if (shared == null) {
        byId.put(spec.id(), new ModelHealth(spec, breaker, ModelRateLimiter.of(spec, ticker),
            new ModelStats(ticker, stats), ticker));
        continue;
      }
      RateLimits full = spec.limits();
      SharedState.Limit limit = new SharedState.Limit(spec.id(), full.requestsPerMinute(),
          burst(full.requestsPerMinute()), full.tokensPerMinute(), burst(full.tokensPerMinute()));
      // the local limiter holds 429 cool-downs and, while the shared state is unreachable, this
      // instance's share of the limits
      RateLimits share = new RateLimits(share(full.requestsPerMinute()), share(full.tokensPerMinute()));
      ModelHealth health = new ModelHealth(spec, breaker,
          new ModelRateLimiter(spec.id(), share, BurstPolicy.DEFAULT, ticker), new ModelStats(ticker, stats), ticker,
          limit);
      breaker.publishTo((model, from, to) -> publish(health, to));
      byId.put(spec.id(), health);
    }
    this.models = Collections.unmodifiableMap(byId);
    List<Candidate> chat = new ArrayList<>(byId.size());
    for (ModelHealth model : byId.values()) {
      if (!model.spec().isEmbedding()) {
        chat.add(model);
      }
    }
    this.candidates = List.copyOf(chat);
  }

  private static long burst(long limit) {
    return limit > 0 ? BurstPolicy.DEFAULT.burstFor(limit) : 0;
  }

  private long share(long limit) {
    return limit == 0 ? 0 : Math.max(1, limit / fleetSettings.instances());
  }

  /** The state shared with other instances; {@code null} when there is none. */
  SharedState sharedState() {
    return shared;
  }

  Collection<ModelHealth> models() {
    return models.values();
  }

  /** The model, or {@code null} if the catalog has none by that id. */
  ModelHealth model(ModelId id) {
    return models.get(id);
  }

  ChatProvider provider(ModelHealth model) {
    return providers.get(model.spec().provider());
  }

  /**
   * The models to try for a chat request, best first: the pinned chat models if the hints pin any,
   * else the strategy's plan over the chat models.
   */
  List<Candidate> plan(ChatRequest request, RouteHints hints, long estimatedPromptTokens) {
    if (!hints.pinned().isEmpty()) {
      List<Candidate> pinned = new ArrayList<>(hints.pinned().size());
      for (ModelId id : hints.pinned()) {
        ModelHealth model = models.get(id);
        if (model != null && !model.spec().isEmbedding()) {
          pinned.add(model);
        }
      }
      return pinned;
    }
    List<Candidate> planned = strategy.plan(new PlanRequest(request, hints, estimatedPromptTokens), candidates);
    if (ownDistinct(planned)) {
      // the usual case: executions only read the plan, so the strategy's own list serves as it is
      return planned;
    }
    // A strategy may hand back candidates it wrapped; executions work with the fleet's own.
    List<Candidate> own = new ArrayList<>(planned.size());
    for (Candidate candidate : planned) {
      ModelHealth model = candidate instanceof ModelHealth health ? health : models.get(candidate.id());
      if (model != null && !model.spec().isEmbedding() && !own.contains(model)) {
        own.add(model);
      }
    }
    return own;
  }

  /**
   * The models to try for an embeddings request: the pinned embedding models, in order, that
   * return vectors of the first one's space and size for this request. A vector from another space
   * or of another size would not match the index the caller's other vectors are in, so no failover
   * reaches such a model.
   */
  List<Candidate> planEmbeddings(EmbeddingRequest request, RouteHints hints) {
    List<Candidate> planned = new ArrayList<>(hints.pinned().size());
    EmbeddingSpec first = null;
    for (ModelId id : hints.pinned()) {
      ModelHealth model = models.get(id);
      EmbeddingSpec embedding = model == null ? null : model.spec().embedding();
      if (embedding == null) {
        continue;
      }
      if (first == null) {
        first = embedding;
      } else if (!embedding.space().equals(first.space())
          || embedding.dimensionsFor(request) != first.dimensionsFor(request)) {
        continue;
      }
      planned.add(model);
    }
    return planned;
  }

  /** Whether every planned candidate is one of this fleet's models, each at most once. */
  private boolean ownDistinct(List<Candidate> planned) {
    int size = planned.size();
    for (int i = 0; i < size; i++) {
      Candidate candidate = planned.get(i);
      if (!(candidate instanceof ModelHealth)) {
        return false;
      }
      for (int j = 0; j < i; j++) {
        if (planned.get(j) == candidate) {
          return false;
        }
      }
    }
    return true;
  }

  /**
   * Whether {@code model} may be called at {@code now} for a request that reserves {@code
   * reservedTokens} and has learnt it needs a window above {@code minContextWindow}. Checks, in
   * order: the provider's isolation, the context window, the budgets, a 429 cool-down, the circuit
   * and the rate limiter. On admission the caller owns the circuit permit and the limiter's
   * reservation, and settles both when the call ends.
   */
  ModelAdmission admit(ModelHealth model, long now, long promptTokens, long outputTokens, long minContextWindow,
      RouteHints hints) {
    ModelSpec spec = model.spec();
    AtomicLong blocked = unauthorizedUntil.get(spec.provider());
    if (blocked != null && blocked.get() - now > 0) {
      return ModelAdmission.skipped(SkipReason.PROVIDER_UNAUTHORIZED, blocked.get() - now,
          ModelAdmission.Wait.ISOLATION);
    }
    if (spec.contextWindow() <= minContextWindow) {
      return ModelAdmission.CONTEXT_TOO_SMALL;
    }
    if (shared != null) {
      return admitShared(model, now, promptTokens, outputTokens, hints);
    }
    BudgetDecision decision = budget.check(spec, promptTokens, outputTokens, hints);
    if (decision == BudgetDecision.REJECT) {
      return ModelAdmission.BUDGET_REJECTED;
    }
    if (decision.skips()) {
      return ModelAdmission.OVER_BUDGET;
    }
    if (model.coolingDown(now)) {
      return coolingDown(model, now);
    }
    Object permit = model.breaker().tryAcquire(now);
    if (permit == null) {
      return circuitOpen(model, now);
    }
    return reserveLocally(model, permit, promptTokens + outputTokens);
  }

  /**
   * Takes {@code tokens} from this instance's limiter for a caller holding the circuit's {@code
   * permit}; gives the permit back when the limiter refuses.
   */
  private static ModelAdmission reserveLocally(ModelHealth model, Object permit, long tokens) {
    Admission admission = model.reserve(tokens);
    if (!admission.admitted()) {
      model.breaker().onNeutral(permit);
      // a reservation above the whole tpm limit never fits: plans leave such models out (Servability)
      return admission.outcome() == Admission.Outcome.TOO_LARGE
          ? ModelAdmission.skipped(SkipReason.RATE_LIMITED, 0, ModelAdmission.Wait.NONE)
          : ModelAdmission.skipped(admission.skipReason(), admission.waitNanos(), ModelAdmission.Wait.LIMIT);
    }
    return model.admitted(permit, false);
  }

  private static ModelAdmission coolingDown(ModelHealth model, long now) {
    return ModelAdmission.skipped(SkipReason.COOLING_DOWN, model.coolDownUntilNanos() - now,
        ModelAdmission.Wait.LIMIT);
  }

  private static ModelAdmission circuitOpen(ModelHealth model, long now) {
    return ModelAdmission.skipped(SkipReason.CIRCUIT_OPEN, model.breaker().openUntilNanos() - now,
        ModelAdmission.Wait.ISOLATION);
  }

  /**
   * {@link #admit} when the state is shared: the 429 cool-down and the circuit first (local, with
   * the fleet's probe count when half-open), then one round trip that takes the request and its
   * tokens from the fleet's limits and reads the fleet's spend for the caps that apply. When the
   * shared state cannot answer in time, this instance's share of the limits and its own count of
   * spend decide (or a cap fails the request closed, if so configured).
   */
  private ModelAdmission admitShared(ModelHealth model, long now, long promptTokens, long outputTokens,
      RouteHints hints) {
    ModelSpec spec = model.spec();
    if (model.coolingDown(now)) {
      return coolingDown(model, now);
    }
    Object permit = model.breaker().tryAcquire(now);
    if (permit == null) {
      return circuitOpen(model, now);
    }
    if (model.breaker().isProbe(permit) && !fleetProbe(model)) {
      model.breaker().onNeutral(permit);
      return ModelAdmission.skipped(SkipReason.CIRCUIT_OPEN, fleetSettings.circuitSync().toNanos(),
          ModelAdmission.Wait.ISOLATION);
    }
    long tokens = promptTokens + outputTokens;
    SharedState.Limit limit = model.sharedLimit();
    List<String> keys = budget.counterKeys(hints);
    if (!limit.limited() && keys.isEmpty()) {
      BudgetDecision decision = budget.check(spec, promptTokens, outputTokens, hints);
      if (decision != BudgetDecision.ALLOW) {
        model.breaker().onNeutral(permit);
        return decision == BudgetDecision.REJECT ? ModelAdmission.BUDGET_REJECTED : ModelAdmission.OVER_BUDGET;
      }
      model.reservedShared(tokens);
      return model.admitted(permit, true);
    }
    SharedState.Reservation reservation;
    try {
      reservation = shared.reserve(limit, tokens, SpendLedger.epochDay(ticker.epochMillis()), keys);
    } catch (SharedStateUnavailableException e) {
      return admitLocally(model, permit, promptTokens, outputTokens, hints, !keys.isEmpty());
    }
    BudgetDecision decision = keys.isEmpty() ? budget.check(spec, promptTokens, outputTokens, hints)
        : budget.check(spec, promptTokens, outputTokens, hints, keys, reservation.spent());
    if (decision != BudgetDecision.ALLOW) {
      model.breaker().onNeutral(permit);
      if (reservation.admitted() && limit.tokensPerMinute() > 0 && tokens > 0) {
        shared.correct(limit, tokens, 0);
      }
      return decision == BudgetDecision.REJECT ? ModelAdmission.BUDGET_REJECTED : ModelAdmission.OVER_BUDGET;
    }
    if (!reservation.admitted()) {
      model.breaker().onNeutral(permit);
      return reservation.outcome() == SharedState.Outcome.TOO_LARGE
          ? ModelAdmission.skipped(SkipReason.RATE_LIMITED, 0, ModelAdmission.Wait.NONE)
          : ModelAdmission.skipped(SkipReason.RATE_LIMITED, reservation.waitNanos(), ModelAdmission.Wait.LIMIT);
    }
    model.reservedShared(tokens);
    return model.admitted(permit, true);
  }

  /** The fallback of {@link #admitShared} while the shared state cannot answer. */
  private ModelAdmission admitLocally(ModelHealth model, Object permit, long promptTokens, long outputTokens,
      RouteHints hints, boolean capsApply) {
    BudgetDecision decision = capsApply && fleetSettings.onStoreFailure() == FleetSettings.OnStoreFailure.REJECT
        ? BudgetDecision.REJECT : budget.check(model.spec(), promptTokens, outputTokens, hints);
    if (decision != BudgetDecision.ALLOW) {
      model.breaker().onNeutral(permit);
      return decision == BudgetDecision.REJECT ? ModelAdmission.BUDGET_REJECTED : ModelAdmission.OVER_BUDGET;
    }
    return reserveLocally(model, permit, promptTokens + outputTokens);
  }

  /**
   * Whether this half-open probe is one of the fleet's probes of the episode; when the shared state
   * cannot answer, the local circuit decides alone.
   */
  private boolean fleetProbe(ModelHealth model) {
    long episode = model.fleetEpisode();
    if (episode == 0) {
      return true;
    }
    try {
      return shared.tryProbe(model.id(), episode, circuit.halfOpenProbes());
    } catch (SharedStateUnavailableException e) {
      return true;
    }
  }

  /** Tells the fleet about a transition this instance decided: an opening, or a close. */
  private void publish(ModelHealth model, CircuitState to) {
    // sent before the episode is noted here: a read of the fleet's circuits that began after the
    // note was issued after the command, and sees it (see syncCircuits)
    if (to == CircuitState.OPEN) {
      long untilNanos = model.breaker().openUntilNanos();
      long untilMillis = ticker.epochMillis() + Math.max(1, (untilNanos - ticker.nanoTime()) / 1_000_000);
      shared.publishCircuit(model.id(), untilMillis);
      model.fleetEpisode(untilMillis);
    } else if (to == CircuitState.CLOSED) {
      shared.publishCircuit(model.id(), 0);
      model.fleetEpisode(0);
    }
  }

  /**
   * Brings the local circuits in line with the fleet's: a model another instance opened is opened
   * here until the same instant; one whose fleet episode this instance followed and that the fleet
   * has closed is closed here. Returns {@code false} when the shared state could not be read (the
   * local circuits then decide alone).
   */
  boolean syncCircuits() {
    if (shared == null) {
      return true;
    }
    // what each model's episode was before the read: one this instance publishes while the read is
    // on its way may be missing from it, and a stale read must not undo it
    List<ModelHealth> all = List.copyOf(models.values());
    long[] before = new long[all.size()];
    for (int i = 0; i < before.length; i++) {
      before[i] = all.get(i).fleetEpisode();
    }
    Map<ModelId, Long> open;
    try {
      open = shared.openCircuits();
    } catch (SharedStateUnavailableException e) {
      return false;
    }
    long nowNanos = ticker.nanoTime();
    long nowMillis = ticker.epochMillis();
    for (int i = 0; i < before.length; i++) {
      ModelHealth model = all.get(i);
      if (model.fleetEpisode() != before[i]) {
        continue; // this instance opened or closed it meanwhile; the next read will tell
      }
      Long until = open.get(model.id());
      if (until == null) {
        if (model.fleetEpisode() != 0) {
          model.fleetEpisode(0);
          model.breaker().adoptClose();
        }
        continue;
      }
      model.fleetEpisode(until);
      long remainingNanos = (until - nowMillis) * 1_000_000;
      if (remainingNanos > 0) {
        model.breaker().adoptOpen(nowNanos, nowNanos + remainingNanos);
      }
    }
    return true;
  }

  /**
   * Nanos until some planned model may take a call again, judged from what isolates or holds a
   * model back (open circuit, cool-down, isolated provider): {@code 0} when one may now.
   */
  long nanosUntilAnyAdmissible(List<Candidate> plan, long now) {
    long earliest = Long.MAX_VALUE;
    for (int i = 0; i < plan.size(); i++) {
      long wait = heldBackNanos((ModelHealth) plan.get(i), now);
      if (wait <= 0) {
        return 0;
      }
      earliest = Math.min(earliest, wait);
    }
    return earliest;
  }

  /**
   * For a retry hint: nanos until the first planned model that is held back now may take a call
   * again; {@link Long#MAX_VALUE} when none is held back.
   */
  long nanosUntilFirstRecovery(List<Candidate> plan, long now) {
    long earliest = Long.MAX_VALUE;
    for (int i = 0; i < plan.size(); i++) {
      long wait = heldBackNanos((ModelHealth) plan.get(i), now);
      if (wait > 0) {
        earliest = Math.min(earliest, wait);
      }
    }
    return earliest;
  }

  private long heldBackNanos(ModelHealth model, long now) {
    long wait = 0;
    if (model.breaker().state() == CircuitState.OPEN) {
      wait = Math.max(wait, model.breaker().openUntilNanos() - now);
    }
    if (model.coolingDown(now)) {
      wait = Math.max(wait, model.coolDownUntilNanos() - now);
    }
    AtomicLong blocked = unauthorizedUntil.get(model.spec().provider());
    if (blocked != null) {
      wait = Math.max(wait, blocked.get() - now);
    }
    return wait;
  }

  /** Half-opens the circuit of the planned model that would recover first; whether one was open. */
  boolean halfOpenEarliest(List<Candidate> plan) {
    ModelHealth earliest = null;
    for (Candidate candidate : plan) {
      ModelHealth model = (ModelHealth) candidate;
      if (model.breaker().state() == CircuitState.OPEN
          && (earliest == null || model.breaker().openUntilNanos() - earliest.breaker().openUntilNanos() < 0)) {
        earliest = model;
      }
    }
    return earliest != null && earliest.breaker().halfOpenEarly();
  }

  /**
   * An authentication failure: the key is wrong for every model of the provider, so isolate them
   * all for the recovery time and raise an alert, instead of retrying a key that cannot work.
   */
  void isolateProvider(ProviderId provider, long now, ProviderException failure) {
    long recovery = circuit.recoveryTime().toNanos();
    AtomicLong until = unauthorizedUntil.computeIfAbsent(provider, p -> new AtomicLong(now));
    long previous = until.getAndAccumulate(now + recovery, Math::max);
    for (ModelHealth model : models.values()) {
      if (model.spec().provider().equals(provider)) {
        model.breaker().forceOpen(now, recovery);
      }
    }
    if (previous - now <= 0) {
      alerts.raise(AlertType.PROVIDER_UNAUTHORIZED, provider.value(), "provider " + provider
          + " rejected its credentials (HTTP " + failure.httpStatus() + "); its models are isolated for "
          + circuit.recoveryTime().toSeconds() + " s");
    }
  }

  /** After every recorded outcome: alerts that start or end with it. */
  void evaluateAlerts(ModelHealth model, boolean succeeded) {
    alerts.evaluate(model.id(), model.stats());
    if (succeeded && alerts.isActive(AlertType.PROVIDER_UNAUTHORIZED, model.spec().provider().value())) {
      alerts.resolve(AlertType.PROVIDER_UNAUTHORIZED, model.spec().provider().value(),
          "provider " + model.spec().provider() + " answers again");
    }
  }

  /** A snapshot of every model's health, in catalog order. */
  HealthReport healthReport() {
    long now = ticker.nanoTime();
    List<HealthReport.ModelReport> reports = new ArrayList<>(models.size());
    for (ModelHealth model : models.values()) {
      CircuitBreaker breaker = model.breaker();
      CircuitState state = breaker.state();
      Long openUntil = state == CircuitState.OPEN
          ? ticker.epochMillis() + Math.max(0, (breaker.openUntilNanos() - now) / 1_000_000) : null;
      Long coolDownUntil = model.coolingDown(now)
          ? ticker.epochMillis() + (model.coolDownUntilNanos() - now) / 1_000_000 : null;
      reports.add(new HealthReport.ModelReport(model.id(), model.spec().provider(), state, openUntil, coolDownUntil,
          breaker.consecutiveFailures(), model.lastFailure(),
          model.lastFailure() == null ? null : model.lastFailureEpochMillis(), model.stats().snapshot(),
          model.limiter().headroom(), budget.ledger().total(model.id())));
    }
    return new HealthReport(ticker.epochMillis(), reports, budget.ledger().total(), alerts.recent());
  }
}
