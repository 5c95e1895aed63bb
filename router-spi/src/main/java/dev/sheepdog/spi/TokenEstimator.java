package dev.sheepdog.spi;

/**
 * Estimates a prompt's size in tokens before it is sent, for rate limits, context-window checks
 * and cost estimates. Corrected afterwards by the usage the provider reports.
 */
@FunctionalInterface
public interface TokenEstimator {
  long estimatePromptTokens(ChatRequest request);

  /**
   * About four characters a token for English and code, plus a few tokens of framing a message —
   * OpenAI's rule of thumb. It errs high on CJK-free text and low on CJK text; pass a real
   * tokenizer where that matters.
   */
  TokenEstimator CHARS_PER_TOKEN = request -> {
    long chars = 0;
    for (ChatMessage m : request.messages()) {
      chars += m.text().length();
    }
    return (chars + 3) / 4 + 4L * request.messages().size() + 3;
  };
}
