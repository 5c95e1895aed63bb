package dev.sheepdog.policy.cost;

import dev.sheepdog.spi.Price;
import java.util.Objects;

/**
 * A {@link PriceCeiling} that a budget sets and lifts while requests are being planned.
 *
 * <p>One volatile field: a plan sees either the old or the new ceiling, never a torn one, and
 * reading it costs one volatile read. Thread-safe.
 */
public final class AdjustablePriceCeiling implements PriceCeiling {
  private volatile Price ceiling;

  AdjustablePriceCeiling() {}

  /** From now on, leave out models dearer than {@code price}. */
  public void limitTo(Price price) {
    ceiling = Objects.requireNonNull(price, "price ceiling");
  }

  /** From now on, accept every price again. */
  public void lift() {
    ceiling = null;
  }

  @Override
  public Price current() {
    return ceiling;
  }

  @Override
  public String toString() {
    Price current = ceiling;
    return current == null ? "no price ceiling" : "price ceiling " + current;
  }
}
