package dev.sheepdog.spi;

import java.util.Map;

/**
 * One vector of an embeddings answer.
 *
 * @param index which input it embeds
 * @param vector its values, or {@code null} when the upstream sent them encoded ({@code base64})
 * @param encoded the vector as the upstream encoded it ({@code encoding_format: base64}), or {@code null}
 * @param extensions every other member as it came
 */
public record Embedding(int index, double[] vector, String encoded, Map<String, Object> extensions) {
  public Embedding {
    if (index < 0) {
      throw new IllegalArgumentException("embedding index must not be negative, was " + index);
    }
    if ((vector == null) == (encoded == null)) {
      throw new IllegalArgumentException("an embedding has either its values or their encoding");
    }
    extensions = Checks.passThrough(extensions, "embedding extensions");
  }

  /**
   * The vector's length: its values, or for an encoding the float32 values base64 holds (four bytes
   * each).
   */
  public int dimensions() {
    if (vector != null) {
      return vector.length;
    }
    int padding = encoded.endsWith("==") ? 2 : encoded.endsWith("=") ? 1 : 0;
    return (encoded.length() / 4 * 3 - padding) / 4;
  }
}
