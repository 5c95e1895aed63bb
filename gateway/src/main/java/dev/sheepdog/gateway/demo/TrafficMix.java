package dev.sheepdog.gateway.demo;

import com.squareup.moshi.JsonAdapter;
import com.squareup.moshi.Moshi;
import dev.sheepdog.spi.Priority;
import dev.sheepdog.spi.TaskType;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The demo's traffic: a seeded sequence of chat requests across the tutorial's task types and
 * priorities, some streamed, some naming their route in the {@code model} member ({@code
 * code_generation:high}) and some in {@code X-Sheepdog-Task} / {@code X-Sheepdog-Priority}
 * headers with {@code model: auto}. The same seed gives the same sequence.
 *
 * <p>Not thread-safe: one driver thread draws from it.
 */
final class TrafficMix {
  /** Tasks and how often they come: simple questions most, hard reasoning least. */
  private static final List<Weighted<TaskType>> TASKS = List.of(
      new Weighted<>(TaskType.SIMPLE_QA, 35),
      new Weighted<>(TaskType.CODE_GENERATION, 25),
      new Weighted<>(TaskType.GENERAL, 25),
      new Weighted<>(TaskType.COMPLEX_REASONING, 15));
  private static final List<Weighted<Priority>> PRIORITIES = List.of(
      new Weighted<>(Priority.FAST, 30),
      new Weighted<>(Priority.NORMAL, 50),
      new Weighted<>(Priority.HIGH, 20));
  private static final Map<TaskType, List<String>> PROMPTS = Map.of(
      TaskType.SIMPLE_QA, List.of("What is the capital of Australia?", "How many bytes are in a kibibyte?",
          "Who wrote 'The Left Hand of Darkness'?"),
      TaskType.CODE_GENERATION, List.of("Write a Java method that reverses a singly linked list.",
          "Write a SQL query that finds duplicate e-mail addresses in a users table.",
          "Write a Python function that parses ISO-8601 durations."),
      TaskType.GENERAL, List.of("Suggest three names for a sheepdog.", "Summarise the plot of Hamlet in two lines.",
          "Draft a polite reminder about an unpaid invoice."),
      TaskType.COMPLEX_REASONING, List.of(
          "A bat and a ball cost $1.10; the bat costs $1.00 more than the ball. Explain the ball's price.",
          "Plan a zero-downtime migration of a 2 TB PostgreSQL table to a new schema.",
          "Compare consistent hashing and rendezvous hashing for a cache cluster of 40 nodes."));
  private static final JsonAdapter<Object> JSON = new Moshi.Builder().build().adapter(Object.class);

  /** The share of requests that are streamed. */
  static final double STREAM_SHARE = 0.25;
  /** The share of requests that give their route in headers rather than in {@code model}. */
  static final double HEADER_SHARE = 0.3;

  private final SplittableRandom random;

  TrafficMix(long seed) {
    this.random = new SplittableRandom(seed);
  }

  /**
   * One request to send.
   *
   * @param task the task type it is routed as
   * @param priority its priority
   * @param stream whether it asks for a stream
   * @param routeInHeaders whether the route goes in headers ({@code model: auto}) or in {@code model}
   * @param prompt the user message
   * @param maxTokens its {@code max_tokens}
   */
  record Call(TaskType task, Priority priority, boolean stream, boolean routeInHeaders, String prompt,
      int maxTokens) {

    /** The {@code model} member: a route alias, or {@code auto} when the headers carry the route. */
    String model() {
      return routeInHeaders ? "auto" : route();
    }

    /** {@code task:priority}, as the route alias spells it. */
    String route() {
      return task.name() + ":" + priority.wireName();
    }

    /** The request headers that carry the route, empty when {@code model} does. */
    Map<String, String> headers() {
      return routeInHeaders
          ? Map.of("X-Sheepdog-Task", task.name(), "X-Sheepdog-Priority", priority.wireName())
          : Map.of();
    }

    /** The chat-completions body. */
    String body() {
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("model", model());
      body.put("messages", List.of(Map.of("role", "user", "content", prompt)));
      body.put("max_tokens", maxTokens);
      if (stream) {
        body.put("stream", true);
      }
      return JSON.toJson(body);
    }
  }

  Call next() {
    TaskType task = pick(TASKS);
    Priority priority = pick(PRIORITIES);
    boolean stream = random.nextDouble() < STREAM_SHARE;
    boolean inHeaders = random.nextDouble() < HEADER_SHARE;
    List<String> prompts = PROMPTS.get(task);
    String prompt = prompts.get(random.nextInt(prompts.size()));
    int maxTokens = task.equals(TaskType.SIMPLE_QA) ? 256 : task.equals(TaskType.COMPLEX_REASONING) ? 2000 : 1000;
    return new Call(task, priority, stream, inHeaders, prompt, maxTokens);
  }

  private <T> T pick(List<Weighted<T>> choices) {
    int total = 0;
    for (Weighted<T> choice : choices) {
      total += choice.weight();
    }
    int roll = random.nextInt(total);
    for (Weighted<T> choice : choices) {
      roll -= choice.weight();
      if (roll < 0) {
        return choice.value();
      }
    }
    throw new AssertionError("weights changed while picking");
  }

  private record Weighted<T>(T value, int weight) {}
}
