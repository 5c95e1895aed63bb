package dev.sheepdog.core.cost;

import dev.sheepdog.spi.Money;
import dev.sheepdog.spi.ModelId;
import dev.sheepdog.spi.Priority;
import dev.sheepdog.spi.TaskType;
import java.util.Objects;
import java.util.Set;

/**
 * The cost of one priced attempt and what it is accounted to.
 *
 * @param model the model that was called
 * @param task the request's task
 * @param priority the request's priority
 * @param tags the request's tags (the gateway adds the client key's hash)
 * @param cost exact, never negative
 * @param atEpochMillis when it was spent; decides the UTC day it counts against
 */
public record Spend(ModelId model, TaskType task, Priority priority, Set<String> tags, Money cost, long atEpochMillis) {
  public Spend {
    Objects.requireNonNull(model, "model must not be null");
    Objects.requireNonNull(task, "task must not be null");
    Objects.requireNonNull(priority, "priority must not be null");
    tags = Set.copyOf(Objects.requireNonNull(tags, "tags must not be null"));
    Objects.requireNonNull(cost, "cost must not be null");
    if (cost.nanos() < 0) {
      throw new IllegalArgumentException("cost must not be negative, was " + cost);
    }
  }

  public Route route() {
    return new Route(task, priority);
  }
}
