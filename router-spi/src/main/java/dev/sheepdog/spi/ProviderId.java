package dev.sheepdog.spi;

/** The name of one upstream endpoint, such as {@code holysheep} or {@code openai}. */
public record ProviderId(String value) {
  public ProviderId {
    Checks.notBlank(value, "provider id");
  }

  public static ProviderId of(String value) {
    return new ProviderId(value);
  }

  @Override
  public String toString() {
    return value;
  }
}
