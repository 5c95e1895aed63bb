package dev.sheepdog.benchmarks;

import dev.sheepdog.spi.Ticker;

/**
 * A ticker that moves forward by a fixed step at every reading, so a rate limiter benchmarked at
 * millions of calls a second still sees its requests spread out and admits each one. Confined to
 * one benchmark thread.
 */
final class SteppingTicker implements Ticker {
  private final long stepNanos;
  private final long originMillis = System.currentTimeMillis();
  private long nanos;

  SteppingTicker(long stepNanos) {
    this.stepNanos = stepNanos;
  }

  @Override
  public long nanoTime() {
    nanos += stepNanos;
    return nanos;
  }

  @Override
  public long epochMillis() {
    return originMillis + nanos / 1_000_000;
  }
}
