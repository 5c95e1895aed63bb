package dev.sheepdog.spi;

import java.util.List;

/**
 * Turns a request and the live state of the models into an ordered plan: the router tries the
 * returned candidates in order until one answers.
 *
 * <p>Runs on every request, on the caller's thread: it must be pure (no I/O, no blocking, no
 * shared mutable state beyond what it owns and makes thread-safe), and should allocate nothing but
 * the list it returns. Models the strategy leaves out are not tried. The router still checks each
 * planned model's circuit, limits and budget before calling it, so a strategy need not.
 */
@FunctionalInterface
public interface SelectionStrategy {
  /**
   * @param request what to plan for
   * @param candidates every model of the catalog, with its live health, in catalog order
   * @return the models to try, best first; may be empty
   */
  List<Candidate> plan(PlanRequest request, List<Candidate> candidates);

  /**
   * This strategy, then {@code next} over what this one returned: a filter followed by an order.
   * {@code latencyTier.andThen(cost)} is "cheapest within the latency tier".
   */
  default SelectionStrategy andThen(SelectionStrategy next) {
    java.util.Objects.requireNonNull(next, "next strategy");
    return (request, candidates) -> next.plan(request, plan(request, candidates));
  }
}
