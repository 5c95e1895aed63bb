package dev.sheepdog.core;

import dev.sheepdog.spi.Candidate;
import dev.sheepdog.spi.ModelId;
import dev.sheepdog.spi.PlanRequest;
import dev.sheepdog.spi.Priority;
import dev.sheepdog.spi.SelectionStrategy;
import dev.sheepdog.spi.TaskType;
import dev.sheepdog.spi.catalog.TutorialModels;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The static route table: task × priority → an ordered list of models. An unknown task plans as
 * {@code general}; a task without a row for the priority plans as its {@code normal} row.
 *
 * <p>{@link #tutorialDefaults()} is the table of the tutorial Sheepdog grew from; {@link
 * #builder()} makes your own. Plans are unmodifiable lists; over the router's own candidates they
 * are resolved once and planning allocates nothing.
 */
public final class RouteTableStrategy implements SelectionStrategy {
  public static final String NAME = "route-table";

  private final Map<TaskType, Map<Priority, List<ModelId>>> table;
  /** The plans over the candidate list a router passes each time; see {@link Resolved}. */
  private volatile Resolved resolved;
  private volatile List<Candidate> lastCandidates;

  private RouteTableStrategy(Map<TaskType, Map<Priority, List<ModelId>>> table) {
    this.table = table;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The tutorial's table over the six models of its price list, {@link TutorialModels}. */
  public static RouteTableStrategy tutorialDefaults() {
    ModelId deepseek = TutorialModels.DEEPSEEK_CHAT;
    ModelId gemini = TutorialModels.GEMINI_2_5_FLASH;
    ModelId mini = TutorialModels.GPT_4_1_MINI;
    ModelId gpt = TutorialModels.GPT_4_1;
    ModelId sonnet35 = TutorialModels.CLAUDE_3_5_SONNET;
    ModelId sonnet4 = TutorialModels.CLAUDE_SONNET_4;
    return builder()
        .route(TaskType.SIMPLE_QA, Priority.FAST, List.of(deepseek, gemini, mini))
        .route(TaskType.SIMPLE_QA, Priority.NORMAL, List.of(deepseek, mini, sonnet35))
        .route(TaskType.SIMPLE_QA, Priority.HIGH, List.of(mini, sonnet35, gpt))
        .route(TaskType.CODE_GENERATION, Priority.FAST, List.of(mini, deepseek))
        .route(TaskType.CODE_GENERATION, Priority.NORMAL, List.of(mini, sonnet4, gpt))
        .route(TaskType.CODE_GENERATION, Priority.HIGH, List.of(gpt, sonnet4))
        .route(TaskType.COMPLEX_REASONING, Priority.FAST, List.of(sonnet35, gpt))
        .route(TaskType.COMPLEX_REASONING, Priority.NORMAL, List.of(gpt, sonnet4))
        .route(TaskType.COMPLEX_REASONING, Priority.HIGH, List.of(gpt, sonnet4))
        .route(TaskType.GENERAL, Priority.FAST, List.of(deepseek, gemini, mini))
        .route(TaskType.GENERAL, Priority.NORMAL, List.of(mini, sonnet35, gpt))
        .route(TaskType.GENERAL, Priority.HIGH, List.of(gpt, sonnet4))
        .build();
  }

  /** The models the table plans for {@code task} and {@code priority}, after the fallbacks. */
  public List<ModelId> row(TaskType task, Priority priority) {
    Map<Priority, List<ModelId>> rows = table.get(task);
    if (rows == null) {
      rows = table.get(TaskType.GENERAL);
    }
    List<ModelId> row = rows.get(priority);
    return row != null ? row : rows.get(Priority.NORMAL);
  }

  /** Every model the table names, for validation against a catalog. */
  public Set<ModelId> models() {
    Set<ModelId> models = new LinkedHashSet<>();
    table.values().forEach(rows -> rows.values().forEach(models::addAll));
    return models;
  }

  /** The tasks the table has rows for. */
  public Set<TaskType> tasks() {
    return table.keySet();
  }

  @Override
  public List<Candidate> plan(PlanRequest request, List<Candidate> candidates) {
    List<ModelId> row = row(request.hints().task(), request.hints().priority());
    Resolved known = resolved;
    if (known != null && known.candidates == candidates) {
      return known.plans.get(row);
    }
    if (lastCandidates == candidates) {
      // the same list twice in a row: a router's own candidates, passed on every request
      known = new Resolved(candidates, resolveAll(candidates));
      resolved = known;
      return known.plans.get(row);
    }
    lastCandidates = candidates;
    return resolve(row, candidates);
  }

  private IdentityHashMap<List<ModelId>, List<Candidate>> resolveAll(List<Candidate> candidates) {
    IdentityHashMap<List<ModelId>, List<Candidate>> plans = new IdentityHashMap<>();
    for (Map<Priority, List<ModelId>> rows : table.values()) {
      for (List<ModelId> row : rows.values()) {
        plans.put(row, resolve(row, candidates));
      }
    }
    return plans;
  }

  private static List<Candidate> resolve(List<ModelId> row, List<Candidate> candidates) {
    List<Candidate> plan = new ArrayList<>(row.size());
    for (ModelId id : row) {
      for (Candidate candidate : candidates) {
        if (candidate.id().equals(id)) {
          plan.add(candidate);
          break;
        }
      }
    }
    return Collections.unmodifiableList(plan);
  }

  /**
   * Every row's plan over one candidate list. A router passes the same list (its own models) on
   * every request, so once that list has been seen twice in a row its plans are resolved once and
   * served without allocating; a list seen once (a strategy composed before this one makes a new
   * one per request) is resolved per request, as it always was.
   */
  private record Resolved(List<Candidate> candidates, IdentityHashMap<List<ModelId>, List<Candidate>> plans) {}

  @Override
  public String toString() {
    return "RouteTableStrategy" + table;
  }

  /** Builds a route table; it must have a {@code general}/{@code normal} row, the last fallback. */
  public static final class Builder {
    private final Map<TaskType, Map<Priority, List<ModelId>>> table = new LinkedHashMap<>();

    private Builder() {}

    public Builder route(TaskType task, Priority priority, String... models) {
      List<ModelId> ids = new ArrayList<>();
      for (String model : models) {
        ids.add(ModelId.of(model));
      }
      return route(task, priority, ids);
    }

    public Builder route(TaskType task, Priority priority, List<ModelId> models) {
      if (models.isEmpty()) {
        throw new IllegalArgumentException("route " + task + ":" + priority.wireName() + " names no model");
      }
      if (new LinkedHashSet<>(models).size() != models.size()) {
        throw new IllegalArgumentException("route " + task + ":" + priority.wireName() + " names a model twice");
      }
      Map<Priority, List<ModelId>> rows = table.computeIfAbsent(task, t -> new EnumMap<>(Priority.class));
      if (rows.putIfAbsent(priority, List.copyOf(models)) != null) {
        throw new IllegalArgumentException("route " + task + ":" + priority.wireName() + " is given twice");
      }
      return this;
    }

    public RouteTableStrategy build() {
      Map<Priority, List<ModelId>> general = table.get(TaskType.GENERAL);
      if (general == null || !general.containsKey(Priority.NORMAL)) {
        throw new IllegalArgumentException("a route table needs a general:normal row, the fallback for unknown tasks");
      }
      for (Map.Entry<TaskType, Map<Priority, List<ModelId>>> e : table.entrySet()) {
        if (!e.getValue().containsKey(Priority.NORMAL)) {
          throw new IllegalArgumentException("route " + e.getKey() + " needs a normal row, the fallback for its other priorities");
        }
      }
      Map<TaskType, Map<Priority, List<ModelId>>> copy = new LinkedHashMap<>();
      table.forEach((task, rows) -> copy.put(task, Collections.unmodifiableMap(new EnumMap<>(rows))));
      return new RouteTableStrategy(Collections.unmodifiableMap(copy));
    }
  }
}
