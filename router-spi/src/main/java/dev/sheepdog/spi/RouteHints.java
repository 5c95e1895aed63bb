package dev.sheepdog.spi;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the caller tells the router about a request besides its content.
 *
 * @param task what the request is for; unknown tasks fall back to {@code general}
 * @param priority speed versus quality
 * @param tags free-form labels for accounting and policies (the gateway adds the client key's
 *     hash)
 * @param maxCost the most one answer may cost, or {@code null} for no cap; models whose estimated
 *     cost is above it are not tried
 * @param deadline how long the whole request may take, or {@code null} for the router's default
 * @param allowDeferral whether a request that failed everywhere may be parked for replay
 * @param pinned models the caller named, in order (a concrete model and its fallbacks); when not
 *     empty they replace the route table's plan
 * @param requestId the caller's id for this request, or {@code null} to let the router make one
 * @param attributes opaque strings the router does not read but keeps with the request, so that a
 *     deferred entry carries them to whoever replays it (the gateway keeps a request's callback URL
 *     here); at most {@value #MAX_ATTRIBUTES}, names up to {@value #MAX_ATTRIBUTE_NAME_CHARS}
 *     characters, values up to {@value #MAX_ATTRIBUTE_VALUE_CHARS}
 */
public record RouteHints(
    TaskType task,
    Priority priority,
    Set<String> tags,
    Money maxCost,
    Duration deadline,
    boolean allowDeferral,
    List<ModelId> pinned,
    String requestId,
    Map<String, String> attributes) {

  public static final int MAX_ATTRIBUTES = 16;
  public static final int MAX_ATTRIBUTE_NAME_CHARS = 64;
  public static final int MAX_ATTRIBUTE_VALUE_CHARS = 2048;

  public static final RouteHints DEFAULT = builder().build();

  public RouteHints {
    Checks.notNull(task, "task");
    Checks.notNull(priority, "priority");
    Checks.noNulls(tags, "tags");
    tags = Set.copyOf(tags);
    if (deadline != null && (deadline.isNegative() || deadline.isZero())) {
      throw new IllegalArgumentException("deadline must be positive, was " + deadline);
    }
    Checks.noNulls(pinned, "pinned models");
    pinned = List.copyOf(new LinkedHashSet<>(pinned));
    Checks.notNull(attributes, "attributes");
    if (attributes.size() > MAX_ATTRIBUTES) {
      throw new IllegalArgumentException("at most " + MAX_ATTRIBUTES + " attributes, were " + attributes.size());
    }
    attributes.forEach((name, value) -> {
      Checks.notBlank(name, "attribute name");
      Checks.notNull(value, "attribute value");
      if (name.length() > MAX_ATTRIBUTE_NAME_CHARS || value.length() > MAX_ATTRIBUTE_VALUE_CHARS) {
        throw new IllegalArgumentException("attribute names may have " + MAX_ATTRIBUTE_NAME_CHARS
            + " characters and values " + MAX_ATTRIBUTE_VALUE_CHARS);
      }
    });
    attributes = Map.copyOf(attributes);
  }

  public static Builder builder() {
    return new Builder();
  }

  public static RouteHints of(TaskType task, Priority priority) {
    return builder().task(task).priority(priority).build();
  }

  public Builder toBuilder() {
    Builder b = new Builder().task(task).priority(priority).maxCost(maxCost).deadline(deadline)
        .allowDeferral(allowDeferral).requestId(requestId);
    b.tags.addAll(tags);
    b.pinned.addAll(pinned);
    b.attributes.putAll(attributes);
    return b;
  }

  /** Builds {@link RouteHints}; defaults to task {@code general}, priority {@code normal}. */
  public static final class Builder {
    private TaskType task = TaskType.GENERAL;
    private Priority priority = Priority.NORMAL;
    private final Set<String> tags = new LinkedHashSet<>();
    private Money maxCost;
    private Duration deadline;
    private boolean allowDeferral;
    private final List<ModelId> pinned = new ArrayList<>();
    private String requestId;
    private final Map<String, String> attributes = new LinkedHashMap<>();

    private Builder() {}

    public Builder task(TaskType task) {
      this.task = task;
      return this;
    }

    public Builder task(String task) {
      return task(TaskType.of(task));
    }

    public Builder priority(Priority priority) {
      this.priority = priority;
      return this;
    }

    public Builder tag(String tag) {
      tags.add(Checks.notBlank(tag, "tag"));
      return this;
    }

    public Builder maxCost(Money maxCost) {
      this.maxCost = maxCost;
      return this;
    }

    public Builder deadline(Duration deadline) {
      this.deadline = deadline;
      return this;
    }

    public Builder allowDeferral(boolean allowDeferral) {
      this.allowDeferral = allowDeferral;
      return this;
    }

    public Builder pin(ModelId... models) {
      pinned.addAll(List.of(models));
      return this;
    }

    public Builder pin(List<ModelId> models) {
      pinned.addAll(models);
      return this;
    }

    public Builder requestId(String requestId) {
      this.requestId = requestId;
      return this;
    }

    /** Keeps {@code value} under {@code name} with the request; see {@link RouteHints#attributes()}. */
    public Builder attribute(String name, String value) {
      attributes.put(name, value);
      return this;
    }

    public RouteHints build() {
      return new RouteHints(task, priority, tags, maxCost, deadline, allowDeferral, pinned, requestId, attributes);
    }
  }
}
