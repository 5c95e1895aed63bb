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
 * @param embedding what makes it an embedding model, or {@code null} for a chat model: the router
 *     plans chat requests on chat models only and embeddings requests on embedding models only
 */
public record ModelSpec(
    ModelId id,
    ProviderId provider,
    String upstreamName,
    Price price,
    int contextWindow,
    RateLimits limits,
    QualityTier tier,
    EmbeddingSpec embedding) {

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

  /** A chat model. */
  public ModelSpec(ModelId id, ProviderId provider, String upstreamName, Price price, int contextWindow,
      RateLimits limits, QualityTier tier) {
    this(id, provider, upstreamName, price, contextWindow, limits, tier, null);
  }

  /** Whether it is an embedding model. */
  public boolean isEmbedding() {
    return embedding != null;
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
        .tier(tier)
        .embedding(embedding);
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
    private EmbeddingSpec embedding;
    /** Dimensions given without a space: the space is the upstream name, once it is final. */
    private int embeddingDimensions;

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

    /** Makes it an embedding model; {@code null} makes it a chat model again. */
    public Builder embedding(EmbeddingSpec embedding) {
      this.embedding = embedding;
      this.embeddingDimensions = 0;
      return this;
    }

    /** Makes it an embedding model of {@code dimensions}, in the space of its upstream name. */
    public Builder embedding(int dimensions) {
      if (dimensions < 1) {
        throw new IllegalArgumentException("embedding dimensions must be positive, was " + dimensions);
      }
      this.embedding = null;
      this.embeddingDimensions = dimensions;
      return this;
    }

    public ModelSpec build() {
      EmbeddingSpec kind = embeddingDimensions > 0 ? new EmbeddingSpec(embeddingDimensions, upstreamName) : embedding;
      return new ModelSpec(id, provider, upstreamName, price, contextWindow, limits, tier, kind);
    }
  }
}
