package dev.sheepdog.spi;

/**
 * A model's request and token budgets per minute; {@code 0} means unlimited.
 */
public record RateLimits(long requestsPerMinute, long tokensPerMinute) {
  public static final RateLimits UNLIMITED = new RateLimits(0, 0);

  public RateLimits {
    Checks.notNegative(requestsPerMinute, "rpm");
    Checks.notNegative(tokensPerMinute, "tpm");
  }

  public static RateLimits of(long requestsPerMinute, long tokensPerMinute) {
    return new RateLimits(requestsPerMinute, tokensPerMinute);
  }

  public boolean limitsRequests() {
    return requestsPerMinute > 0;
  }

  public boolean limitsTokens() {
    return tokensPerMinute > 0;
  }
}
