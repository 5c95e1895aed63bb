package dev.sheepdog.core.cost;

import dev.sheepdog.spi.Priority;
import dev.sheepdog.spi.TaskType;
import java.util.Objects;

/** A cell of the route table, task by priority; spend is reported per route. */
public record Route(TaskType task, Priority priority) {
  public Route {
    Objects.requireNonNull(task, "task must not be null");
    Objects.requireNonNull(priority, "priority must not be null");
  }

  @Override
  public String toString() {
    return task + ":" + priority.wireName();
  }
}
