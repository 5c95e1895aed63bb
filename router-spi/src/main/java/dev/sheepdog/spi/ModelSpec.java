package dev.sheepdog.spi;

/**
 * Everything the router knows about a model before it calls it.
 *
 * @param id the name the model is routed by
 * @param provider who serves it
 * @param upstreamName the name sent to the provider (often the same as {@code id})
 * @param price USD per million input and output tokens
 * @param contextWindow the maximum prompt + output tokens
 * @param limits requests and tokens per minute
 * @param tier coarse capability, for quality floors
 */
public record ModelSpec(
    ModelId id,
    ProviderId provider,
    String upstreamName,
    Price price,
    int contextWindow,
    RateLimits limits,
    QualityTier tier) {

  public ModelSpec {
    Checks.notNull(id, "model id");
    Checks.notNull(provider, "provider of " + id);
    Checks.notBlank(upstreamName, "upstream name of " + id);
    Checks.notNull(price, "price of " + id);
    if (contextWindow < 1) {
      throw new IllegalArgumentException("context window of " + id + " must be positive, was " + contextWindow);
    }
    Checks.notNull(limits, "limits of " + id);
    Checks.notNull(tier, "quality tier of " + id);
  }

  public static Builder builder(String id, String provider) {
    return new Builder(ModelId.of(id), ProviderId.of(provider));
  }

  public Builder toBuilder() {
    return new Builder(id, provider)
        .upstreamName(upstreamName)
        .price(price)
        .contextWindow(contextWindow)
        .limits(limits)
        .tier(tier);
  }

  /** Builds a {@link ModelSpec}; the upstream name defaults to the id, limits to unlimited. */
  public static final class Builder {
    private final ModelId id;
    private final ProviderId provider;
    private String upstreamName;
    private Price price = Price.FREE;
    private int contextWindow = 128_000;
    private RateLimits limits = RateLimits.UNLIMITED;
    private QualityTier tier = QualityTier.STANDARD;

    private Builder(ModelId id, ProviderId provider) {
      this.id = id;
      this.provider = provider;
      this.upstreamName = id.value();
    }

    public Builder upstreamName(String upstreamName) {
      this.upstreamName = upstreamName;
      return this;
    }

    public Builder price(Price price) {
      this.price = price;
      return this;
    }

    public Builder price(String inputUsdPerMillion, String outputUsdPerMillion) {
      return price(Price.perMillion(inputUsdPerMillion, outputUsdPerMillion));
    }

    public Builder contextWindow(int contextWindow) {
      this.contextWindow = contextWindow;
      return this;
    }

    public Builder limits(RateLimits limits) {
      this.limits = limits;
      return this;
    }

    public Builder limits(long requestsPerMinute, long tokensPerMinute) {
      return limits(RateLimits.of(requestsPerMinute, tokensPerMinute));
    }

    public Builder tier(QualityTier tier) {
      this.tier = tier;
      return this;
    }

    public ModelSpec build() {
      return new ModelSpec(id, provider, upstreamName, price, contextWindow, limits, tier);
    }
  }
}
