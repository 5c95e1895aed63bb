package dev.sheepdog.spi;

/** The name a model is routed by, such as {@code gpt-4.1} or {@code deepseek-chat}. */
public record ModelId(String value) implements Comparable<ModelId> {
  public ModelId {
    Checks.notBlank(value, "model id");
  }

  public static ModelId of(String value) {
    return new ModelId(value);
  }

  @Override
  public int compareTo(ModelId other) {
    return value.compareTo(other.value);
  }

  @Override
  public String toString() {
    return value;
  }
}
