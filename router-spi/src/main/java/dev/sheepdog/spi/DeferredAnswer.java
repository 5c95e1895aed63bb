package dev.sheepdog.spi;

/**
 * The answer a replay of a deferred request got, kept with the entry so that its client can fetch
 * it later.
 *
 * @param model the catalog model that answered
 * @param response the answer as the provider gave it
 * @param cost what the answer cost
 * @param deliveredAtEpochMillis when the replay answered
 */
public record DeferredAnswer(ModelId model, ChatResponse response, Money cost, long deliveredAtEpochMillis) {
  public DeferredAnswer {
    Checks.notNull(model, "model");
    Checks.notNull(response, "response");
    Checks.notNull(cost, "cost");
  }
}
