package dev.sheepdog.adapter.sandbox;

import dev.sheepdog.spi.ChatRequest;
import dev.sheepdog.spi.ModelSpec;
import dev.sheepdog.spi.TokenEstimator;
import dev.sheepdog.spi.Usage;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes the answers of a {@link SandboxProvider}. The default, {@link #placeholder()}, is
 * deterministic; plug in another to give a demo canned answers. Called on the provider's
 * scheduler thread: must be quick and must not block.
 */
@FunctionalInterface
public interface SandboxAnswers {
  SandboxAnswer answer(ModelSpec model, ChatRequest request);

  /**
   * A placeholder text that names the model and depends only on the request: the same request
   * gets the same answer from the same model. Its length (12 to 59 words, one token a word) comes
   * from a hash of the prompt and is cut at {@code max_tokens}, with finish reason {@code length}.
   * Prompt tokens are estimated from the messages' lengths, about four characters a token.
   */
  static SandboxAnswers placeholder() {
    return PlaceholderAnswers.INSTANCE;
  }
}

/** The default answers: words from a fixed list, a stream chunk every four words. */
final class PlaceholderAnswers implements SandboxAnswers {
  static final PlaceholderAnswers INSTANCE = new PlaceholderAnswers();
  private static final String[] WORDS = ("the sandbox simulates this model with its measured latency and availability "
      + "so the router can be tried without a key or a network and every answer is the same for the same "
      + "question which makes runs easy to compare").split(" ");
  private static final int WORDS_PER_CHUNK = 4;

  private PlaceholderAnswers() {}

  @Override
  public SandboxAnswer answer(ModelSpec model, ChatRequest request) {
    long promptTokens = TokenEstimator.CHARS_PER_TOKEN.estimatePromptTokens(request);
    int hash = 0;
    for (var message : request.messages()) {
      hash = 31 * hash + message.text().hashCode();
    }
    int natural = 12 + Math.floorMod(hash, 48);
    int cap = request.maxTokens() == null ? ChatRequest.DEFAULT_MAX_TOKENS : request.maxTokens();
    int words = Math.min(natural, cap);
    List<String> tokens = new ArrayList<>(words);
    tokens.add("[" + model.id().value() + "]");
    for (int i = 1; i < words; i++) {
      tokens.add(WORDS[(Math.floorMod(hash, WORDS.length) + i) % WORDS.length]);
    }
    List<String> chunks = new ArrayList<>();
    for (int i = 0; i < tokens.size(); i += WORDS_PER_CHUNK) {
      StringBuilder chunk = new StringBuilder();
      for (int j = i; j < Math.min(i + WORDS_PER_CHUNK, tokens.size()); j++) {
        chunk.append(j == 0 ? "" : " ").append(tokens.get(j));
      }
      if (i + WORDS_PER_CHUNK >= tokens.size() && words == natural) {
        chunk.append('.');
      }
      chunks.add(chunk.toString());
    }
    return new SandboxAnswer(chunks, new Usage(promptTokens, words), words < natural ? "length" : "stop");
  }
}
