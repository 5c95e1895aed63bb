package dev.sheepdog.adapter.sandbox;

import dev.sheepdog.spi.Usage;
import java.util.List;
import java.util.Objects;

/**
 * What a simulated model says: the text in the pieces a stream delivers, the usage it reports and
 * the finish reason.
 *
 * @param chunks the answer's text, split as a stream delivers it; at least one piece
 * @param usage the tokens reported
 * @param finishReason {@code stop}, or {@code length} when the answer was cut at {@code max_tokens}
 */
public record SandboxAnswer(List<String> chunks, Usage usage, String finishReason) {
  public SandboxAnswer {
    Objects.requireNonNull(chunks, "chunks");
    chunks.forEach(chunk -> Objects.requireNonNull(chunk, "chunk"));
    if (chunks.isEmpty()) {
      throw new IllegalArgumentException("chunks must not be empty");
    }
    chunks = List.copyOf(chunks);
    Objects.requireNonNull(usage, "usage");
    if (finishReason == null || finishReason.isBlank()) {
      throw new IllegalArgumentException("finish_reason must not be blank");
    }
  }

  public static SandboxAnswer of(List<String> chunks, Usage usage) {
    return new SandboxAnswer(chunks, usage, "stop");
  }

  /** The whole text. */
  public String content() {
    return String.join("", chunks);
  }
}
