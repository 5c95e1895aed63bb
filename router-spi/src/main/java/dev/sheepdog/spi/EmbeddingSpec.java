package dev.sheepdog.spi;

/**
 * What makes a catalog model an embedding model: the size of its vectors and the space they live
 * in. Vectors are comparable only within one space — an index built with one model cannot be
 * queried with another's vectors, even of the same size — so the router fails an embedding request
 * over only to models of the same space and the same output size.
 *
 * @param dimensions the length of the vectors it returns when a request names no {@code dimensions}
 * @param space the models whose vectors are interchangeable share a space; by default a model's
 *     upstream name, so the same model served by two providers is one space
 */
public record EmbeddingSpec(int dimensions, String space) {
  public EmbeddingSpec {
    if (dimensions < 1) {
      throw new IllegalArgumentException("embedding dimensions must be positive, was " + dimensions);
    }
    Checks.notBlank(space, "embedding space");
  }

  /** The length of the vectors this model returns for {@code request}. */
  public int dimensionsFor(EmbeddingRequest request) {
    return request.dimensions() != null ? request.dimensions() : dimensions;
  }
}
