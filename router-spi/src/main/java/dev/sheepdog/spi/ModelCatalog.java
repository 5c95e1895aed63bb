package dev.sheepdog.spi;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The models a router may use, in a stable order. Immutable. */
public final class ModelCatalog {
  private final Map<ModelId, ModelSpec> models;

  private ModelCatalog(Map<ModelId, ModelSpec> models) {
    this.models = models;
  }

  /** A catalog of the given models; rejects two models with the same id. */
  public static ModelCatalog of(Collection<ModelSpec> models) {
    Checks.noNulls(models, "models");
    Map<ModelId, ModelSpec> byId = new LinkedHashMap<>();
    for (ModelSpec spec : models) {
      if (byId.putIfAbsent(spec.id(), spec) != null) {
        throw new IllegalArgumentException("model " + spec.id() + " is declared twice");
      }
    }
    return new ModelCatalog(java.util.Collections.unmodifiableMap(byId));
  }

  public static ModelCatalog of(ModelSpec... models) {
    return of(List.of(models));
  }

  public List<ModelSpec> models() {
    return List.copyOf(models.values());
  }

  public Optional<ModelSpec> find(ModelId id) {
    return Optional.ofNullable(models.get(id));
  }

  public ModelSpec require(ModelId id) {
    ModelSpec spec = models.get(id);
    if (spec == null) {
      throw new IllegalArgumentException("unknown model " + Checks.quote(id) + "; known: " + models.keySet());
    }
    return spec;
  }

  public boolean contains(ModelId id) {
    return models.containsKey(id);
  }

  /** A catalog with the given models added or replacing those of the same id. */
  public ModelCatalog with(Collection<ModelSpec> overrides) {
    Map<ModelId, ModelSpec> byId = new LinkedHashMap<>(models);
    for (ModelSpec spec : overrides) {
      byId.put(spec.id(), spec);
    }
    return new ModelCatalog(java.util.Collections.unmodifiableMap(byId));
  }

  public int size() {
    return models.size();
  }

  @Override
  public String toString() {
    return "ModelCatalog" + models.keySet();
  }
}
