package dev.sheepdog.spi;

/**
 * What a strategy plans for.
 *
 * @param request the chat request
 * @param hints the caller's hints
 * @param estimatedPromptTokens the router's estimate of the prompt's size, computed once
 */
public record PlanRequest(ChatRequest request, RouteHints hints, long estimatedPromptTokens) {
  public PlanRequest {
    Checks.notNull(request, "request");
    Checks.notNull(hints, "hints");
    Checks.notNegative(estimatedPromptTokens, "estimated prompt tokens");
  }

  /**
   * The output tokens a model may produce for this request: {@code max_tokens} (or the default)
   * for each of its choices; see {@link ChatRequest#expectedOutputTokens()}.
   */
  public long expectedOutputTokens() {
    return request.expectedOutputTokens();
  }
}
