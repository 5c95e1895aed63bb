package dev.sheepdog.adapter.sandbox;

import dev.sheepdog.spi.Scheduler;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** The system scheduler, recording which tasks are still waiting and how many were cancelled. */
final class RecordingScheduler implements Scheduler {
  private final Set<Object> waiting = ConcurrentHashMap.newKeySet();
  final AtomicInteger cancelled = new AtomicInteger();

  @Override
  public Cancellable schedule(Runnable task, long delay, TimeUnit unit) {
    Object token = new Object();
    waiting.add(token);
    Cancellable scheduled = Scheduler.system().schedule(() -> {
      waiting.remove(token);
      task.run();
    }, delay, unit);
    return () -> {
      boolean wasWaiting = scheduled.cancel();
      if (wasWaiting) {
        waiting.remove(token);
        cancelled.incrementAndGet();
      }
      return wasWaiting;
    };
  }

  int waiting() {
    return waiting.size();
  }
}
