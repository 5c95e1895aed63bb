package dev.sheepdog.core;

import dev.sheepdog.spi.Scheduler;
import java.util.concurrent.TimeUnit;

/**
 * Reads the fleet's circuits every {@link FleetSettings#circuitSync()} so that a model another
 * instance isolated is skipped here too, and one the fleet closed is closed here; a no-op for a
 * router on its own. Started and stopped by whoever runs the router (the gateway does, with its
 * server).
 */
public final class FleetSync {
  private final Fleet fleet;
  private final Scheduler scheduler;
  private final long intervalNanos;
  private Scheduler.Cancellable next = Scheduler.Cancellable.DONE;
  private boolean running;

  FleetSync(Fleet fleet, Scheduler scheduler, FleetSettings settings) {
    this.fleet = fleet;
    this.scheduler = scheduler;
    this.intervalNanos = settings.circuitSync().toNanos();
  }

  /** Starts the periodic reads; does nothing when the state is not shared or it runs already. */
  public synchronized void start() {
    if (running || fleet.sharedState() == null) {
      return;
    }
    running = true;
    next = scheduler.schedule(this::tick, 0, TimeUnit.NANOSECONDS);
  }

  public synchronized void stop() {
    running = false;
    next.cancel();
  }

  /**
   * Reads the fleet's circuits once, now; {@code false} when the shared state could not be read
   * and the local circuits decide alone.
   */
  public boolean syncNow() {
    return fleet.syncCircuits();
  }

  private void tick() {
    try {
      fleet.syncCircuits();
    } catch (RuntimeException e) {
      // a failing read leaves the local circuits in charge; the store reports its own health
    }
    synchronized (this) {
      if (running) {
        next = scheduler.schedule(this::tick, intervalNanos, TimeUnit.NANOSECONDS);
      }
    }
  }
}
