package dev.sheepdog.spi;

/** Tokens consumed by one answer, as the provider reported them. */
public record Usage(long promptTokens, long completionTokens) {
  public static final Usage NONE = new Usage(0, 0);

  public Usage {
    Checks.notNegative(promptTokens, "prompt_tokens");
    Checks.notNegative(completionTokens, "completion_tokens");
  }

  public long totalTokens() {
    return promptTokens + completionTokens;
  }

  public Usage plus(Usage other) {
    return new Usage(promptTokens + other.promptTokens, completionTokens + other.completionTokens);
  }
}
