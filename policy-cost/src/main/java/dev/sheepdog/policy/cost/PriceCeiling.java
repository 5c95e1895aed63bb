package dev.sheepdog.policy.cost;

import dev.sheepdog.spi.Price;
import java.util.Objects;

/**
 * The dearest price a model may have right now; the hook through which a budget pushes traffic to
 * cheaper models as spend nears its cap.
 *
 * <p>Whoever tracks spend (the router's accounting, the gateway's budget per key) decides when a
 * ceiling applies and feeds it here, usually through an {@link AdjustablePriceCeiling}; the
 * strategy only reads it. A model is over the ceiling when its estimated cost for the request is
 * above what a model charging exactly the ceiling price would cost for the same request, so a
 * ceiling of {@code $1.00 / $4.00} keeps {@code deepseek-chat} and {@code gpt-4.1-mini} and leaves
 * out everything dearer.
 */
@FunctionalInterface
public interface PriceCeiling {
  /** No ceiling: every model's price is acceptable. */
  PriceCeiling NONE = () -> null;

  /**
   * The ceiling in force, or {@code null} when there is none. Called once per plan on the
   * request's thread: it must be fast, must not block and must not throw.
   */
  Price current();

  /** A ceiling that is always in force. */
  static PriceCeiling fixed(Price price) {
    Objects.requireNonNull(price, "price ceiling");
    return () -> price;
  }

  /** A ceiling that starts lifted and that a budget raises and lowers at run time. */
  static AdjustablePriceCeiling adjustable() {
    return new AdjustablePriceCeiling();
  }
}
