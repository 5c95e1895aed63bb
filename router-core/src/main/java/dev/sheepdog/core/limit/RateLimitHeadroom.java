package dev.sheepdog.core.limit;

import dev.sheepdog.spi.ModelId;

/**
 * What a model's limiter has room for at one instant; for reports and metrics.
 *
 * @param model the model
 * @param requestsPerMinute the configured limit, {@code 0} for unlimited
 * @param requestsAvailable requests admitted if sent now, {@code Long.MAX_VALUE} when unlimited
 * @param tokensPerMinute the configured limit, {@code 0} for unlimited
 * @param tokensAvailable the largest token reservation admitted now, {@code Long.MAX_VALUE} when
 *     unlimited
 * @param coolingDownForNanos how long a provider's retry-after still blocks admission, {@code 0}
 *     when it does not
 */
public record RateLimitHeadroom(
    ModelId model,
    long requestsPerMinute,
    long requestsAvailable,
    long tokensPerMinute,
    long tokensAvailable,
    long coolingDownForNanos) {
  public RateLimitHeadroom {
    if (model == null) {
      throw new NullPointerException("model must not be null");
    }
  }

  public boolean coolingDown() {
    return coolingDownForNanos > 0;
  }
}
