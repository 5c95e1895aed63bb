package dev.sheepdog.core;

import dev.sheepdog.spi.EmbeddingResponse;
import dev.sheepdog.spi.ModelId;
import dev.sheepdog.spi.Money;
import dev.sheepdog.spi.Usage;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Routed embeddings and how they were obtained.
 *
 * @param requestId the request's id (the caller's, or one the router made)
 * @param response the provider's vectors, one per input, each of the size asked for
 * @param model the model that answered
 * @param attempts every provider call made, in order, the last one the success
 * @param latency from {@code embed()} to the answer
 * @param usage tokens read ({@link Usage#NONE} when the provider reported none)
 * @param cost the exact cost of the answering call
 */
public record RoutedEmbedding(
    String requestId, EmbeddingResponse response, ModelId model, List<Attempt> attempts, Duration latency,
    Usage usage, Money cost) {
  public RoutedEmbedding {
    Objects.requireNonNull(requestId, "requestId");
    Objects.requireNonNull(response, "response");
    Objects.requireNonNull(model, "model");
    attempts = List.copyOf(attempts);
    Objects.requireNonNull(latency, "latency");
    Objects.requireNonNull(usage, "usage");
    Objects.requireNonNull(cost, "cost");
  }
}
