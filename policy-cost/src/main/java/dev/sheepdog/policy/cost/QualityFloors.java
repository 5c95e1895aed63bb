package dev.sheepdog.policy.cost;

import dev.sheepdog.spi.Priority;
import dev.sheepdog.spi.QualityTier;
import dev.sheepdog.spi.TaskType;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * How capable a model must be for a task at a priority: the {@link QualityTier} a cost-aware plan
 * never goes below (unless nothing else is left).
 *
 * <p>Defaults, by task (fast / normal / high):
 *
 * <table>
 *   <caption>Default quality floors</caption>
 *   <tr><th>task</th><th>fast</th><th>normal</th><th>high</th></tr>
 *   <tr><td>simple_qa</td><td>ECONOMY</td><td>ECONOMY</td><td>STANDARD</td></tr>
 *   <tr><td>general</td><td>ECONOMY</td><td>ECONOMY</td><td>STANDARD</td></tr>
 *   <tr><td>code_generation</td><td>STANDARD</td><td>STANDARD</td><td>PREMIUM</td></tr>
 *   <tr><td>complex_reasoning</td><td>PREMIUM</td><td>PREMIUM</td><td>PREMIUM</td></tr>
 * </table>
 *
 * <p>Tasks without floors of their own use {@code general}'s, the same fallback the route table
 * uses. Immutable and thread-safe; every floor is resolved when it is built, so a lookup is one
 * map read and one array read.
 */
public final class QualityFloors {
  private static final int PRIORITIES = Priority.values().length;
  private static final QualityFloors DEFAULTS = builder().build();

  private final Map<TaskType, QualityTier[]> floorsByTask;
  private final QualityTier[] generalFloors;

  private QualityFloors(Map<TaskType, QualityTier[]> floorsByTask) {
    this.floorsByTask = Map.copyOf(floorsByTask);
    this.generalFloors = floorsByTask.get(TaskType.GENERAL);
  }

  /** The floors in the table above. */
  public static QualityFloors defaults() {
    return DEFAULTS;
  }

  /** A builder that starts from the defaults; what it is given replaces them. */
  public static Builder builder() {
    return new Builder();
  }

  /** The weakest tier acceptable for {@code task} at {@code priority}. */
  public QualityTier floorFor(TaskType task, Priority priority) {
    QualityTier[] floors = floorsByTask.get(task);
    return (floors == null ? generalFloors : floors)[priority.ordinal()];
  }

  @Override
  public boolean equals(Object other) {
    if (this == other) {
      return true;
    }
    if (!(other instanceof QualityFloors that) || floorsByTask.size() != that.floorsByTask.size()) {
      return false;
    }
    for (Map.Entry<TaskType, QualityTier[]> e : floorsByTask.entrySet()) {
      if (!Arrays.equals(e.getValue(), that.floorsByTask.get(e.getKey()))) {
        return false;
      }
    }
    return true;
  }

  @Override
  public int hashCode() {
    int hash = 0;
    for (Map.Entry<TaskType, QualityTier[]> e : floorsByTask.entrySet()) {
      hash += e.getKey().hashCode() ^ Arrays.hashCode(e.getValue());
    }
    return hash;
  }

  @Override
  public String toString() {
    Map<String, String> rows = new TreeMap<>();
    floorsByTask.forEach((task, floors) -> rows.put(task.name(), Arrays.toString(floors)));
    return "QualityFloors" + rows;
  }

  /**
   * Builds {@link QualityFloors}. The most specific setting wins: a floor for one task and
   * priority, then a floor for the whole task, then the default for that task, then {@code
   * general}'s. Each setting may be given once. Not thread-safe.
   */
  public static final class Builder {
    private final Map<TaskType, QualityTier> perTask = new LinkedHashMap<>();
    private final Map<TaskType, Map<Priority, QualityTier>> perTaskAndPriority = new LinkedHashMap<>();

    private Builder() {}

    /** The floor for {@code task} at every priority without a floor of its own. */
    public Builder floor(TaskType task, QualityTier floor) {
      Objects.requireNonNull(task, "task");
      Objects.requireNonNull(floor, "quality floor for " + task);
      if (perTask.putIfAbsent(task, floor) != null) {
        throw new IllegalStateException("quality floor for " + task + " was already set to " + perTask.get(task));
      }
      return this;
    }

    /** The floor for {@code task} at {@code priority}. */
    public Builder floor(TaskType task, Priority priority, QualityTier floor) {
      Objects.requireNonNull(task, "task");
      Objects.requireNonNull(priority, "priority");
      String field = "quality floor for " + task + "/" + priority.wireName();
      Objects.requireNonNull(floor, field);
      Map<Priority, QualityTier> row = perTaskAndPriority.computeIfAbsent(task, t -> new EnumMap<>(Priority.class));
      QualityTier previous = row.putIfAbsent(priority, floor);
      if (previous != null) {
        throw new IllegalStateException(field + " was already set to " + previous);
      }
      return this;
    }

    public QualityFloors build() {
      Map<TaskType, QualityTier[]> defaults = defaultRows();
      Map<TaskType, QualityTier[]> resolved = new HashMap<>();
      // general first: every other task falls back to it
      QualityTier[] general = resolve(TaskType.GENERAL, defaults.get(TaskType.GENERAL), null);
      resolved.put(TaskType.GENERAL, general);
      Set<TaskType> tasks = new LinkedHashSet<>(defaults.keySet());
      tasks.addAll(perTask.keySet());
      tasks.addAll(perTaskAndPriority.keySet());
      for (TaskType task : tasks) {
        if (!task.equals(TaskType.GENERAL)) {
          resolved.put(task, resolve(task, defaults.get(task), general));
        }
      }
      return new QualityFloors(resolved);
    }

    private QualityTier[] resolve(TaskType task, QualityTier[] defaultRow, QualityTier[] generalRow) {
      QualityTier[] row = new QualityTier[PRIORITIES];
      Map<Priority, QualityTier> cells = perTaskAndPriority.getOrDefault(task, Map.of());
      QualityTier wholeTask = perTask.get(task);
      for (Priority priority : Priority.values()) {
        int i = priority.ordinal();
        QualityTier floor = cells.get(priority);
        if (floor == null) {
          floor = wholeTask;
        }
        if (floor == null) {
          floor = defaultRow != null ? defaultRow[i] : generalRow[i];
        }
        row[i] = floor;
      }
      return row;
    }

    private static Map<TaskType, QualityTier[]> defaultRows() {
      QualityTier e = QualityTier.ECONOMY;
      QualityTier s = QualityTier.STANDARD;
      QualityTier p = QualityTier.PREMIUM;
      // indexed by Priority ordinal: FAST, NORMAL, HIGH
      return Map.of(
          TaskType.SIMPLE_QA, new QualityTier[] {e, e, s},
          TaskType.GENERAL, new QualityTier[] {e, e, s},
          TaskType.CODE_GENERATION, new QualityTier[] {s, s, p},
          TaskType.COMPLEX_REASONING, new QualityTier[] {p, p, p});
    }
  }
}
