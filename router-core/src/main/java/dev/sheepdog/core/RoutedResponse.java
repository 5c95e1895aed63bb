package dev.sheepdog.core;

import dev.sheepdog.spi.ChatResponse;
import dev.sheepdog.spi.ModelId;
import dev.sheepdog.spi.Money;
import dev.sheepdog.spi.Usage;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * A routed answer and how it was obtained.
 *
 * @param requestId the request's id (the caller's, or one the router made)
 * @param response the provider's answer
 * @param model the model that answered
 * @param attempts every provider call made, in order, the last one the success
 * @param latency from {@code route()} to the answer
 * @param usage tokens of the answer ({@link Usage#NONE} when the provider reported none)
 * @param cost the exact cost of the answering call
 */
public record RoutedResponse(
    String requestId, ChatResponse response, ModelId model, List<Attempt> attempts, Duration latency, Usage usage,
    Money cost) {
  public RoutedResponse {
    Objects.requireNonNull(requestId, "requestId");
    Objects.requireNonNull(response, "response");
    Objects.requireNonNull(model, "model");
    attempts = List.copyOf(attempts);
    Objects.requireNonNull(latency, "latency");
    Objects.requireNonNull(usage, "usage");
    Objects.requireNonNull(cost, "cost");
  }

  /** The text of the first choice. */
  public String content() {
    return response.content();
  }

  /** Whether another model answered after the first one tried failed. */
  public boolean failedOver() {
    return attempts.size() > 1;
  }
}
