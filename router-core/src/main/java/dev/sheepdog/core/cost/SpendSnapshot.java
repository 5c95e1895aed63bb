package dev.sheepdog.core.cost;

import dev.sheepdog.spi.Money;
import dev.sheepdog.spi.ModelId;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Everything the ledger holds, for reports: all-time totals and the retained days, newest first.
 * Tags overlap (a request may carry several), so {@code byTag} does not add up to the total;
 * {@code byModel} and {@code byRoute} do.
 */
public record SpendSnapshot(
    Money total,
    Map<ModelId, Money> byModel,
    Map<Route, Money> byRoute,
    Map<String, Money> byTag,
    List<DailySpend> days) {
  public SpendSnapshot {
    Objects.requireNonNull(total, "total must not be null");
    byModel = Map.copyOf(byModel);
    byRoute = Map.copyOf(byRoute);
    byTag = Map.copyOf(byTag);
    days = List.copyOf(days);
  }
}
