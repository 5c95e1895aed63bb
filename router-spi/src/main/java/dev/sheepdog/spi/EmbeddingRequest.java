package dev.sheepdog.spi;

import java.util.List;
import java.util.Map;

/**
 * An embeddings request as the router sees it; like a chat request, the model is the router's
 * choice.
 *
 * @param input what to embed, in one of OpenAI's four shapes: a string, a list of strings, a list
 *     of token ids (one input already tokenized), or a list of such lists; at most {@value
 *     #MAX_INPUTS} inputs, none empty
 * @param dimensions the length of the vectors asked for, or {@code null} for the model's own
 * @param extensions every other member ({@code encoding_format}, {@code user}, …), forwarded unchanged
 */
public record EmbeddingRequest(Object input, Integer dimensions, Map<String, Object> extensions) {
  /** The most inputs one request may carry, as OpenAI allows. */
  public static final int MAX_INPUTS = 2048;

  public EmbeddingRequest {
    inputs(input);
    if (dimensions != null && dimensions < 1) {
      throw new IllegalArgumentException("dimensions must be positive, was " + dimensions);
    }
    extensions = Checks.passThrough(extensions, "extensions");
  }

  /** A request for the vectors of {@code texts}, in order. */
  public static EmbeddingRequest of(String... texts) {
    return new EmbeddingRequest(texts.length == 1 ? texts[0] : List.of(texts), null, Map.of());
  }

  /** The inputs, one per vector asked for: each a {@link String} or a {@code List} of token ids. */
  public List<?> inputs() {
    return inputs(input);
  }

  /** How many vectors the request asks for. */
  public int inputCount() {
    return inputs().size();
  }

  /**
   * The inputs of {@code input}, checked: a string is one input; a list of numbers is one input of
   * token ids; a list of strings or of lists of numbers is one input per element.
   *
   * @throws IllegalArgumentException naming what is wrong
   */
  private static List<?> inputs(Object input) {
    if (input instanceof String text) {
      if (text.isEmpty()) {
        throw new IllegalArgumentException("input must not be empty");
      }
      return List.of(text);
    }
    if (!(input instanceof List<?> list) || list.isEmpty()) {
      throw new IllegalArgumentException("input must be a string or a non-empty array");
    }
    if (list.size() > MAX_INPUTS) {
      throw new IllegalArgumentException("input must have at most " + MAX_INPUTS + " elements, had " + list.size());
    }
    Object first = list.get(0);
    if (first instanceof Number) {
      tokens(list, "input");
      return List.of(list);
    }
    for (int i = 0; i < list.size(); i++) {
      Object element = list.get(i);
      if (first instanceof String) {
        if (!(element instanceof String text) || text.isEmpty()) {
          throw new IllegalArgumentException("input[" + i + "] must be a non-empty string, as the first is");
        }
      } else if (element instanceof List<?> ids && !ids.isEmpty()) {
        tokens(ids, "input[" + i + "]");
      } else {
        throw new IllegalArgumentException("input[" + i + "] must be a non-empty string or array of token ids");
      }
    }
    return list;
  }

  private static void tokens(List<?> ids, String path) {
    for (Object id : ids) {
      if (!(id instanceof Number n) || n.doubleValue() < 0 || n.doubleValue() != Math.rint(n.doubleValue())) {
        throw new IllegalArgumentException(path + " must hold token ids: whole numbers, not negative");
      }
    }
  }
}
