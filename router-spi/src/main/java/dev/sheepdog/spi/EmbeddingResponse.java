package dev.sheepdog.spi;

import java.util.List;
import java.util.Map;

/**
 * The vectors a provider returned, one per input, in input order.
 *
 * @param data the vectors
 * @param upstreamModel the model name the upstream reported, or {@code null}
 * @param usage the tokens read (embeddings produce no output tokens), or {@code null} if not reported
 * @param extensions every other member as it came
 */
public record EmbeddingResponse(List<Embedding> data, String upstreamModel, Usage usage,
    Map<String, Object> extensions) {
  public EmbeddingResponse {
    Checks.noNulls(data, "embeddings");
    data = List.copyOf(data);
    extensions = Checks.passThrough(extensions, "extensions");
  }
}
