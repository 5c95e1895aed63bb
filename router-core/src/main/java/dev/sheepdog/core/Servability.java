package dev.sheepdog.core;

import dev.sheepdog.spi.Candidate;
import dev.sheepdog.spi.ModelSpec;
import dev.sheepdog.spi.Money;
import dev.sheepdog.spi.RouteHints;
import dev.sheepdog.spi.SkipReason;
import java.util.ArrayList;
import java.util.List;

/**
 * Whether any planned model could ever serve a request, judged from the checks that waiting does
 * not change: the context window, the request's own max cost, and the model's tokens-per-minute
 * limit. Health, circuits, cool-downs and daily budgets pass and are not looked at here.
 *
 * <p>Runs once per request before the first attempt, over the plan. A model that fails one of
 * these checks can never take the request, so it is left out of the request's plan ({@link #fit}):
 * it is not skipped again in every round, it does not count as a model waiting for its rate limit,
 * and it does not stand in the way of the all-open policy for the models left. When no model is
 * left, {@link #check} says why. A plan whose every model fits costs a few comparisons per model and
 * allocates nothing.
 */
final class Servability {
  private Servability() {}

  /**
   * Why {@code spec} can never take the request, as the skip reason its {@code ModelSkipped} event
   * carries ({@code RATE_LIMITED} for a reservation above its tokens-per-minute limit), or {@code
   * null} when it passes every permanent check.
   */
  static SkipReason unfit(ModelSpec spec, long windowTokens, long promptTokens, long outputTokens, Money maxCost) {
    if (windowTokens > spec.contextWindow()) {
      return SkipReason.CONTEXT_TOO_SMALL;
    }
    if (maxCost != null && spec.price().estimateNanos(promptTokens, outputTokens) > maxCost.nanos()) {
      return SkipReason.OVER_BUDGET;
    }
    if (spec.limits().limitsTokens() && promptTokens + outputTokens > spec.limits().tokensPerMinute()) {
      return SkipReason.RATE_LIMITED;
    }
    return null;
  }

  /** The planned models that pass every permanent check, in plan order: {@code plan} itself when all do. */
  static List<Candidate> fit(List<Candidate> plan, long windowTokens, long promptTokens, long outputTokens,
      Money maxCost) {
    int size = plan.size();
    int firstUnfit = 0;
    while (firstUnfit < size
        && unfit(plan.get(firstUnfit).spec(), windowTokens, promptTokens, outputTokens, maxCost) == null) {
      firstUnfit++;
    }
    if (firstUnfit == size) {
      return plan;
    }
    List<Candidate> fit = new ArrayList<>(size - 1);
    for (int i = 0; i < size; i++) {
      Candidate candidate = plan.get(i);
      if (i != firstUnfit && unfit(candidate.spec(), windowTokens, promptTokens, outputTokens, maxCost) == null) {
        fit.add(candidate);
      }
    }
    return fit;
  }

  /**
   * Why a request has no model left to try: none was planned, or none of the planned could ever
   * take it ({@link #check}).
   */
  static RoutingException noModelLeft(String requestId, RouteHints hints, List<Candidate> planned,
      long windowTokens, long promptTokens, long outputTokens) {
    if (planned.isEmpty()) {
      return new AllModelsFailedException(requestId, "no model is planned for " + hints.task() + ":"
          + hints.priority().wireName() + (hints.pinned().isEmpty() ? "" : " and " + hints.pinned()), List.of(),
          null, false, null, null);
    }
    return check(requestId, planned, windowTokens, promptTokens, outputTokens, hints.maxCost());
  }

  /**
   * {@code null} when some planned model passes every permanent check; otherwise why none does,
   * from the model that got furthest (see {@link RequestNotServableException}).
   */
  static RequestNotServableException check(String requestId, List<Candidate> plan, long windowTokens,
      long promptTokens, long outputTokens, Money maxCost) {
    long reserved = promptTokens + outputTokens;
    ModelSpec widest = null;
    ModelSpec cheapest = null;
    long cheapestNanos = Long.MAX_VALUE;
    ModelSpec roomiest = null;
    for (int i = 0; i < plan.size(); i++) {
      ModelSpec spec = plan.get(i).spec();
      if (windowTokens > spec.contextWindow()) {
        if (widest == null || spec.contextWindow() > widest.contextWindow()) {
          widest = spec;
        }
        continue;
      }
      if (maxCost != null) {
        long cost = spec.price().estimateNanos(promptTokens, outputTokens);
        if (cost > maxCost.nanos()) {
          if (cheapest == null || cost < cheapestNanos) {
            cheapest = spec;
            cheapestNanos = cost;
          }
          continue;
        }
      }
      if (spec.limits().limitsTokens() && reserved > spec.limits().tokensPerMinute()) {
        if (roomiest == null || spec.limits().tokensPerMinute() > roomiest.limits().tokensPerMinute()) {
          roomiest = spec;
        }
        continue;
      }
      return null;
    }
    if (roomiest != null) {
      return new RequestNotServableException(requestId, RequestNotServableException.Reason.OVER_TOKEN_LIMIT,
          roomiest.id(), reserved, roomiest.limits().tokensPerMinute());
    }
    if (cheapest != null) {
      return new RequestNotServableException(requestId, RequestNotServableException.Reason.OVER_MAX_COST,
          cheapest.id(), cheapestNanos, maxCost.nanos());
    }
    if (widest != null) {
      return new RequestNotServableException(requestId, RequestNotServableException.Reason.PROMPT_TOO_LONG,
          widest.id(), windowTokens, widest.contextWindow());
    }
    return null;
  }

}
