package dev.sheepdog.core;

import dev.sheepdog.spi.ModelId;
import dev.sheepdog.spi.Money;
import dev.sheepdog.spi.Usage;
import java.time.Duration;
import java.util.List;

/**
 * How a routed stream ended well.
 *
 * @param timeToFirstChunk from {@code stream()} to the first chunk
 * @param usage the usage the provider reported at the end, or {@link Usage#NONE}
 */
public record RoutedStreamResult(
    String requestId, ModelId model, List<Attempt> attempts, Duration latency, Duration timeToFirstChunk, Usage usage,
    Money cost) {
  public RoutedStreamResult {
    attempts = List.copyOf(attempts);
  }
}
