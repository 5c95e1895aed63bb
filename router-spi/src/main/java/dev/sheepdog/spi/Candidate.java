package dev.sheepdog.spi;

/** A model a strategy may choose: what it is, and how it is doing right now. */
public interface Candidate {
  ModelSpec spec();

  ModelHealthView health();

  default ModelId id() {
    return spec().id();
  }

  /** A candidate with a fixed view; for tests and for strategies that wrap others. */
  static Candidate of(ModelSpec spec, ModelHealthView health) {
    record Fixed(ModelSpec spec, ModelHealthView health) implements Candidate {}
    return new Fixed(spec, health);
  }
}
