package dev.sheepdog.core.cost;

import dev.sheepdog.spi.Money;
import dev.sheepdog.spi.ModelId;
import java.time.LocalDate;
import java.util.Map;
import java.util.Objects;

/** Spend of one UTC day, in total and broken down; a copy taken at one time. */
public record DailySpend(
    LocalDate day, Money total, Map<ModelId, Money> byModel, Map<Route, Money> byRoute, Map<String, Money> byTag) {
  public DailySpend {
    Objects.requireNonNull(day, "day must not be null");
    Objects.requireNonNull(total, "total must not be null");
    byModel = Map.copyOf(byModel);
    byRoute = Map.copyOf(byRoute);
    byTag = Map.copyOf(byTag);
  }
}
