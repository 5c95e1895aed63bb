package dev.sheepdog.adapter.sandbox;

import dev.sheepdog.spi.Embedding;
import dev.sheepdog.spi.EmbeddingRequest;
import dev.sheepdog.spi.EmbeddingResponse;
import dev.sheepdog.spi.ModelSpec;
import dev.sheepdog.spi.Usage;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The vectors of a simulated embedding model. Each input gets a unit vector drawn from a seed that
 * hashes the model's vector space ({@link dev.sheepdog.spi.EmbeddingSpec#space()}) and the input:
 * the same input gets the same vector on every run and from every model of that space, as one
 * model served by two providers would give it, and unrelated inputs get unrelated vectors. A
 * request's {@code dimensions} shortens the vector as OpenAI's {@code text-embedding-3} models do:
 * its first values, normalized again.
 *
 * <p>Values are float32, as upstreams send them; with {@code encoding_format: base64} each vector is
 * sent as the base64 of its values, little-endian, as OpenAI sends it. Usage is the input tokens,
 * estimated: about four characters a token for a text, the length of a list of token ids.
 */
final class SandboxEmbeddings {
  private SandboxEmbeddings() {}

  /** The answer of {@code model}, an embedding model, to {@code request}. */
  static EmbeddingResponse answer(ModelSpec model, EmbeddingRequest request) {
    int dimensions = model.embedding().dimensionsFor(request);
    boolean base64 = "base64".equals(request.extensions().get("encoding_format"));
    List<?> inputs = request.inputs();
    List<Embedding> data = new ArrayList<>(inputs.size());
    long tokens = 0;
    for (int i = 0; i < inputs.size(); i++) {
      Object input = inputs.get(i);
      float[] vector = vector(model.embedding().space(), input, dimensions);
      data.add(base64 ? new Embedding(i, null, base64(vector), Map.of())
          : new Embedding(i, widened(vector), null, Map.of()));
      tokens += input instanceof String text ? (text.length() + 3) / 4 : ((List<?>) input).size();
    }
    return new EmbeddingResponse(data, model.upstreamName(), new Usage(tokens, 0), Map.of());
  }

  /** The unit vector of {@code input} (a text or a list of token ids) in {@code space}. */
  static float[] vector(String space, Object input, int dimensions) {
    SplittableRandom random = new SplittableRandom(seed(space, input));
    double[] values = new double[dimensions];
    double squares = 0;
    for (int i = 0; i < dimensions; i++) {
      values[i] = random.nextGaussian();
      squares += values[i] * values[i];
    }
    double norm = Math.sqrt(squares);
    float[] unit = new float[dimensions];
    for (int i = 0; i < dimensions; i++) {
      unit[i] = (float) (values[i] / norm);
    }
    return unit;
  }

  /** An FNV-1a hash of the space, then of the input's characters or token ids, tagged by kind. */
  private static long seed(String space, Object input) {
    long h = 0xcbf29ce484222325L;
    for (int i = 0; i < space.length(); i++) {
      h = (h ^ space.charAt(i)) * 0x100000001b3L;
    }
    if (input instanceof String text) {
      h = (h ^ 's') * 0x100000001b3L;
      for (int i = 0; i < text.length(); i++) {
        h = (h ^ text.charAt(i)) * 0x100000001b3L;
      }
    } else {
      h = (h ^ 't') * 0x100000001b3L;
      for (Object id : (List<?>) input) {
        h = (h ^ ((Number) id).longValue()) * 0x100000001b3L;
      }
    }
    return h;
  }

  /**
   * The float32 values as the doubles their shortest decimal names, as an upstream prints them
   * ({@code 0.4457803}, not the float's exact {@code 0.44578030705451965}): the same float to a
   * client that reads float32, half the digits on the wire.
   */
  private static double[] widened(float[] vector) {
    double[] values = new double[vector.length];
    for (int i = 0; i < vector.length; i++) {
      values[i] = Double.parseDouble(Float.toString(vector[i]));
    }
    return values;
  }

  private static String base64(float[] vector) {
    ByteBuffer bytes = ByteBuffer.allocate(vector.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    for (float value : vector) {
      bytes.putFloat(value);
    }
    return Base64.getEncoder().encodeToString(bytes.array());
  }
}
