package dev.sheepdog.spi;

/**
 * How capable a model is, coarsely; policies use it as a floor ("at least STANDARD for code").
 * Declared from weakest to strongest, so {@link #atLeast} compares ordinals.
 */
public enum QualityTier {
  ECONOMY,
  STANDARD,
  PREMIUM;

  public boolean atLeast(QualityTier floor) {
    return ordinal() >= floor.ordinal();
  }
}
