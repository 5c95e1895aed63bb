package dev.sheepdog.gateway.demo;

import dev.sheepdog.spi.ModelId;
import dev.sheepdog.spi.Money;
import dev.sheepdog.spi.Price;
import dev.sheepdog.spi.Usage;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the answers cost, next to what they would have cost had every one come from a single
 * reference model: the same token usage, priced at the reference model's rates.
 *
 * @param actual what was spent, at the rates of the models that answered
 * @param reference the model every answer is priced at for comparison
 * @param allOnReference the same usage at the reference model's rates
 */
record CostComparison(Money actual, ModelId reference, Money allOnReference) {

  CostComparison {
    Objects.requireNonNull(actual, "actual");
    Objects.requireNonNull(reference, "reference");
    Objects.requireNonNull(allOnReference, "allOnReference");
  }

  /** What routing saved against sending everything to the reference model; negative if it cost more. */
  Money saved() {
    return allOnReference.minus(actual);
  }

  /** {@link #saved()} as a fraction of the reference cost, or 0 when nothing was spent. */
  double savedFraction() {
    return allOnReference.nanos() == 0 ? 0 : (double) saved().nanos() / allOnReference.nanos();
  }

  /** Adds up answers as they arrive. Thread-safe. */
  static final class Tally {
    private final ModelId reference;
    private final Price referencePrice;
    private final AtomicLong actualNanos = new AtomicLong();
    private final AtomicLong referenceNanos = new AtomicLong();

    Tally(ModelId reference, Price referencePrice) {
      this.reference = Objects.requireNonNull(reference, "reference");
      this.referencePrice = Objects.requireNonNull(referencePrice, "referencePrice");
    }

    /** One answer: its usage and what it cost at the rates of the model that gave it. */
    void add(Usage usage, Money cost) {
      actualNanos.addAndGet(cost.nanos());
      referenceNanos.addAndGet(referencePrice.cost(usage).nanos());
    }

    CostComparison total() {
      return new CostComparison(Money.ofNanos(actualNanos.get()), reference, Money.ofNanos(referenceNanos.get()));
    }
  }
}
