package dev.sheepdog.core;

import dev.sheepdog.spi.Candidate;
import dev.sheepdog.spi.ModelSpec;
import dev.sheepdog.spi.Money;
import java.util.List;

/**
 * Whether any planned model could ever serve a request, judged from the checks that waiting does
 * not change: the context window, the request's own max cost, and the model's tokens-per-minute
 * limit. Health, circuits, cool-downs and daily budgets pass and are not looked at here.
 *
 * <p>Runs once per request before the first attempt, over the plan: it returns at the first model
 * that passes, so a servable request costs a few comparisons and allocates nothing. The checks are
 * the ones the router applies per model later (the same estimates, the same comparisons), so a
 * request found servable here meets a model that admits it whenever that model is healthy.
 */
final class Servability {
  private Servability() {}

  /**
   * {@code null} when some planned model passes every permanent check; otherwise why none does,
   * from the model that got furthest (see {@link RequestNotServableException}).
   */
  static RequestNotServableException check(String requestId, List<Candidate> plan, long promptTokens,
      long outputTokens, Money maxCost) {
    long reserved = promptTokens + outputTokens;
    ModelSpec widest = null;
    ModelSpec cheapest = null;
    long cheapestNanos = Long.MAX_VALUE;
    ModelSpec roomiest = null;
    for (int i = 0; i < plan.size(); i++) {
      ModelSpec spec = plan.get(i).spec();
      if (promptTokens > spec.contextWindow()) {
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
          widest.id(), promptTokens, widest.contextWindow());
    }
    return null;
  }

}
