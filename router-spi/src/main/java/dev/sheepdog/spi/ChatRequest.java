package dev.sheepdog.spi;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A chat-completion request as the router sees it. The model is not part of it: the router
 * chooses the model and hands the chosen {@link ModelSpec} to the provider.
 *
 * @param messages the conversation, at least one message
 * @param temperature sampling temperature in [0, 2], or {@code null} for the provider's default
 * @param maxTokens the output cap per choice, or {@code null} for the provider's default; the
 *     router uses it, times {@link #choices()}, to estimate cost and tokens per minute
 * @param stream whether the caller asked for a stream
 * @param extensions every request member the router does not interpret ({@code tools}, {@code
 *     tool_choice}, {@code response_format}, {@code stop}, {@code seed}, {@code top_p}, {@code
 *     user}, {@code n}, {@code logprobs}, …), forwarded unchanged
 */
public record ChatRequest(
    List<ChatMessage> messages,
    Double temperature,
    Integer maxTokens,
    boolean stream,
    Map<String, Object> extensions) {

  /** The tutorial's defaults, applied by {@link #builder()}. */
  public static final double DEFAULT_TEMPERATURE = 0.7;

  public static final int DEFAULT_MAX_TOKENS = 2000;

  /** The most choices ({@code n}) one request may ask for, as OpenAI allows. */
  public static final int MAX_CHOICES = 128;

  public ChatRequest {
    Checks.noNulls(messages, "messages");
    if (messages.isEmpty()) {
      throw new IllegalArgumentException("messages must not be empty");
    }
    messages = List.copyOf(messages);
    if (temperature != null && (temperature.isNaN() || temperature < 0 || temperature > 2)) {
      throw new IllegalArgumentException("temperature must be between 0 and 2, was " + temperature);
    }
    if (maxTokens != null && maxTokens < 1) {
      throw new IllegalArgumentException("max_tokens must be at least 1, was " + maxTokens);
    }
    extensions = Checks.passThrough(extensions, "extensions");
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A request of one user message with the default temperature and output cap. */
  public static ChatRequest ofUser(String content) {
    return builder().user(content).build();
  }

  /**
   * How many choices the request asks for: its {@code n} extension when that is a whole number
   * from 1 to {@value #MAX_CHOICES}, else 1. Lenient on purpose: a gateway validates {@code n}
   * and answers its client; the router only needs it for estimates. Read through {@link
   * Number#doubleValue()} alone, so a pass-through number kept as its literal text is never turned
   * into a string or parsed twice.
   */
  public int choices() {
    if (!(extensions.get("n") instanceof Number n)) {
      return 1;
    }
    double value;
    try {
      value = n.doubleValue();
    } catch (RuntimeException e) {
      // a pass-through number that cannot say its value counts as one choice, like any other junk
      return 1;
    }
    // NaN fails both comparisons; a fraction is not a count
    if (!(value >= 1 && value <= MAX_CHOICES) || value != Math.rint(value)) {
      return 1;
    }
    return (int) value;
  }

  /**
   * The output tokens an answer may take: the cap ({@code max_tokens}, or {@link
   * #DEFAULT_MAX_TOKENS}) for each of the {@linkplain #choices() choices}. The router estimates
   * cost, budgets and token reservations with it.
   */
  public long expectedOutputTokens() {
    long perChoice = maxTokens == null ? DEFAULT_MAX_TOKENS : maxTokens;
    return perChoice * choices();
  }

  public ChatRequest withStream(boolean stream) {
    return stream == this.stream
        ? this
        : new ChatRequest(messages, temperature, maxTokens, stream, extensions);
  }

  /** Builds a {@link ChatRequest}; starts from the tutorial's temperature 0.7 and 2,000 tokens. */
  public static final class Builder {
    private final List<ChatMessage> messages = new ArrayList<>();
    private Double temperature = DEFAULT_TEMPERATURE;
    private Integer maxTokens = DEFAULT_MAX_TOKENS;
    private boolean stream;
    private final Map<String, Object> extensions = new LinkedHashMap<>();

    private Builder() {}

    public Builder message(ChatMessage message) {
      messages.add(Checks.notNull(message, "message"));
      return this;
    }

    public Builder system(String content) {
      return message(ChatMessage.system(content));
    }

    public Builder user(String content) {
      return message(ChatMessage.user(content));
    }

    public Builder temperature(Double temperature) {
      this.temperature = temperature;
      return this;
    }

    public Builder maxTokens(Integer maxTokens) {
      this.maxTokens = maxTokens;
      return this;
    }

    public Builder stream(boolean stream) {
      this.stream = stream;
      return this;
    }

    public Builder extension(String name, Object value) {
      extensions.put(Checks.notBlank(name, "extension name"), value);
      return this;
    }

    public ChatRequest build() {
      return new ChatRequest(messages, temperature, maxTokens, stream, extensions);
    }
  }
}
