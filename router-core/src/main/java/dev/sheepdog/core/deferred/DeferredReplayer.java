package dev.sheepdog.core.deferred;

import dev.sheepdog.spi.DeferredEntry;
import dev.sheepdog.spi.DeferredQueue;
import dev.sheepdog.spi.DeferredRequest;
import dev.sheepdog.spi.DeferredState;
import dev.sheepdog.spi.Scheduler;
import dev.sheepdog.spi.Ticker;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Replays deferred requests through a function, such as {@code request ->
 * router.route(request.request(), request.hints())}, and settles each entry in the queue.
 *
 * <p>A failed replay puts the entry back with a growing backoff ({@link ReplayPolicy}, 5 s doubling
 * to 5 min); after {@code maxReplays} failures it is dead-lettered with the last reason. A failure
 * that replaying cannot cure (the replay function's own judgement, such as a request the model
 * rejects) dead-letters the entry at once. Outcomes go
 * to a {@link DeferredReplayListener}. Replays run either one pass at a time with {@link
 * #replayDue()} or automatically after {@link #start()}, each pass scheduled for when the earliest
 * entry falls due.
 *
 * <p><b>Delivery.</b> With {@link InMemoryDeferredQueue} each entry is delivered at most once and,
 * unless dead-lettered, exactly once: an entry is claimed in an in-flight set before its replay and
 * re-read from the queue after claiming, so two passes never replay it together and a pass holding
 * a stale list never replays a settled entry. A durable queue cannot promise as much across a crash
 * between a replay's answer and {@code markDelivered}: it replays at least once, and the request's
 * idempotency key lets downstream recognise the repeat.
 *
 * <p><b>Concurrency.</b> Passes may overlap (a manual pass during an automatic one); the in-flight
 * set keeps them off each other's entries, and a pass looks past the entries in flight, so entries
 * another pass is replaying never fill its batch and hide a due entry behind them. Nothing blocks:
 * a pass's future completes when its last replay completes. The automatic schedule is guarded by
 * this object's monitor, held only to swap the scheduled handle; a pass that found nothing to
 * replay schedules the next one no sooner than the initial backoff, so the shared scheduler thread
 * never spins on a queue whose due entries it cannot take.
 *
 * @param <R> what the replay function answers
 */
public final class DeferredReplayer<R> {
  private final DeferredQueue queue;
  private final Function<DeferredRequest, CompletableFuture<R>> replay;
  private final DeferredReplayListener<R> listener;
  private final ReplayPolicy policy;
  private final Ticker ticker;
  private final Scheduler scheduler;
  private final Predicate<Throwable> permanent;
  private final Set<String> inFlight = ConcurrentHashMap.newKeySet();

  private boolean running;
  private Scheduler.Cancellable nextPass = Scheduler.Cancellable.DONE;
  private long nextPassAtNanos = Long.MAX_VALUE;

  public DeferredReplayer(
      DeferredQueue queue,
      Function<DeferredRequest, CompletableFuture<R>> replay,
      DeferredReplayListener<R> listener,
      ReplayPolicy policy,
      Ticker ticker,
      Scheduler scheduler) {
    this(queue, replay, listener, policy, ticker, scheduler, failure -> false);
  }

  /**
   * A replayer that dead-letters an entry at its first failure that {@code permanent} accepts (the
   * failure the replay function's future failed with, unwrapped): replaying a request that can
   * never succeed would only call the models again for nothing.
   */
  public DeferredReplayer(
      DeferredQueue queue,
      Function<DeferredRequest, CompletableFuture<R>> replay,
      DeferredReplayListener<R> listener,
      ReplayPolicy policy,
      Ticker ticker,
      Scheduler scheduler,
      Predicate<Throwable> permanent) {
    this.permanent = Objects.requireNonNull(permanent, "permanent failure predicate must not be null");
    this.queue = Objects.requireNonNull(queue, "queue must not be null");
    this.replay = Objects.requireNonNull(replay, "replay function must not be null");
    this.listener = Objects.requireNonNull(listener, "listener must not be null");
    this.policy = Objects.requireNonNull(policy, "replay policy must not be null");
    this.ticker = Objects.requireNonNull(ticker, "ticker must not be null");
    this.scheduler = Objects.requireNonNull(scheduler, "scheduler must not be null");
  }

  /**
   * Parks a request and, when automatic replay runs, makes sure a pass comes within the initial
   * backoff. Returns {@code false} when the queue is full.
   */
  public boolean defer(DeferredRequest request) {
    boolean accepted = queue.offer(request);
    if (accepted) {
      schedulePassWithin(policy.initialBackoff().toNanos());
    }
    return accepted;
  }

  /** Replays the entries due now, up to the batch size. */
  public CompletableFuture<ReplayPass> replayDue() {
    long now = ticker.epochMillis();
    List<CompletableFuture<Outcome>> replays = new ArrayList<>();
    // entries other passes are replaying come back from due() too: ask for enough to fill a batch past them
    int busy = inFlight.size();
    int ask = (int) Math.min(Integer.MAX_VALUE, (long) policy.batchSize() + busy);
    for (DeferredEntry listed : queue.due(now, ask)) {
      if (replays.size() == policy.batchSize()) {
        break;
      }
      if (!inFlight.add(listed.id())) {
        continue;
      }
      // Re-read after claiming: another pass may have settled it since the list was taken.
      DeferredEntry entry = queue.find(listed.id()).orElse(null);
      if (entry == null || entry.state() != DeferredState.QUEUED || entry.nextAttemptAtEpochMillis() > now) {
        inFlight.remove(listed.id());
        continue;
      }
      replays.add(replayOne(entry));
    }
    return CompletableFuture.allOf(replays.toArray(CompletableFuture[]::new)).thenApply(ignored -> {
      int delivered = 0;
      int failed = 0;
      int dead = 0;
      for (CompletableFuture<Outcome> r : replays) {
        switch (r.join()) {
          case DELIVERED -> delivered++;
          case FAILED -> failed++;
          case DEAD_LETTERED -> dead++;
        }
      }
      return new ReplayPass(replays.size(), delivered, failed, dead);
    });
  }

  /**
   * Replays one queued entry now, due or not, as an operator's "retry this one" would. Completes
   * after the listener has heard the outcome, with the entry as it was settled: {@code DELIVERED},
   * {@code QUEUED} again with a later next attempt, or {@code DEAD_LETTERED}. Completes empty when
   * no entry with that id is queued, or a pass is replaying it already.
   */
  public CompletableFuture<Optional<DeferredEntry>> replayNow(String id) {
    Objects.requireNonNull(id, "id must not be null");
    if (!inFlight.add(id)) {
      return CompletableFuture.completedFuture(Optional.empty());
    }
    DeferredEntry entry = queue.find(id).orElse(null);
    if (entry == null || entry.state() != DeferredState.QUEUED) {
      inFlight.remove(id);
      return CompletableFuture.completedFuture(Optional.empty());
    }
    return replayOne(entry).thenApply(outcome -> Optional.of(queue.find(id).orElse(entry)));
  }

  private CompletableFuture<Outcome> replayOne(DeferredEntry entry) {
    CompletableFuture<R> call;
    try {
      call = replay.apply(entry.request());
      if (call == null) {
        call = CompletableFuture.failedFuture(new IllegalStateException("replay function returned no future"));
      }
    } catch (RuntimeException e) {
      call = CompletableFuture.failedFuture(e);
    }
    return call.handle((result, error) -> {
      try {
        return error == null ? delivered(entry, result) : failed(entry, unwrap(error));
      } finally {
        inFlight.remove(entry.id());
      }
    });
  }

  private Outcome delivered(DeferredEntry entry, R result) {
    queue.markDelivered(entry.id());
    DeferredEntry settled = queue.find(entry.id()).orElse(entry);
    try {
      listener.onDelivered(settled, result);
    } catch (RuntimeException e) {
      // the entry is delivered either way; a listener must not throw
    }
    return Outcome.DELIVERED;
  }

  private Outcome failed(DeferredEntry entry, Throwable error) {
    String reason = reasonOf(error);
    int failures = entry.replays() + 1;
    long now = ticker.epochMillis();
    boolean last = failures >= policy.maxReplays() || isPermanent(error);
    queue.markFailed(entry.id(), reason, last ? now : now + policy.backoffAfter(failures).toMillis());
    if (last) {
      queue.markDeadLettered(entry.id(), reason);
    }
    DeferredEntry settled = queue.find(entry.id()).orElse(entry);
    try {
      if (last) {
        listener.onDeadLettered(settled, reason);
      } else {
        listener.onReplayFailed(settled, reason);
      }
    } catch (RuntimeException e) {
      // the entry is settled either way; a listener must not throw
    }
    return last ? Outcome.DEAD_LETTERED : Outcome.FAILED;
  }

  private boolean isPermanent(Throwable error) {
    try {
      return permanent.test(error);
    } catch (RuntimeException e) {
      return false; // a predicate that cannot tell leaves the entry to the usual backoff
    }
  }

  private static Throwable unwrap(Throwable error) {
    return error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
  }

  private static String reasonOf(Throwable cause) {
    String message = cause.getMessage();
    return cause.getClass().getSimpleName() + (message == null || message.isBlank() ? "" : ": " + message);
  }

  /** Starts automatic replay: a pass now, then one whenever the earliest entry falls due. */
  public synchronized void start() {
    if (running) {
      return;
    }
    running = true;
    schedulePassWithin(0);
  }

  /** Stops automatic replay; replays already running finish and are settled. */
  public synchronized void stop() {
    running = false;
    nextPass.cancel();
    nextPass = Scheduler.Cancellable.DONE;
    nextPassAtNanos = Long.MAX_VALUE;
  }

  public synchronized boolean isRunning() {
    return running;
  }

  private synchronized void schedulePassWithin(long delayNanos) {
    if (!running) {
      return;
    }
    long at = ticker.nanoTime() + Math.max(0, delayNanos);
    if (at >= nextPassAtNanos) {
      return; // a pass is already coming soon enough
    }
    nextPass.cancel();
    nextPassAtNanos = at;
    nextPass = scheduler.schedule(this::automaticPass, Math.max(0, delayNanos), TimeUnit.NANOSECONDS);
  }

  private void automaticPass() {
    synchronized (this) {
      if (!running) {
        return;
      }
      nextPassAtNanos = Long.MAX_VALUE;
      nextPass = Scheduler.Cancellable.DONE;
    }
    replayDue().whenComplete((pass, error) -> {
      long delay = delayUntilEarliestDue();
      if (pass == null || pass.replayed() == 0) {
        // nothing was taken: never come back at once, whatever the queue says is due
        delay = Math.max(delay, policy.initialBackoff().toNanos());
      }
      schedulePassWithin(delay);
    });
  }

  /** Until the earliest queued entry not being replayed falls due; the idle poll when there is none. */
  private long delayUntilEarliestDue() {
    long earliest = Long.MAX_VALUE;
    for (DeferredEntry entry : queue.entries()) {
      if (entry.state() == DeferredState.QUEUED && !inFlight.contains(entry.id())) {
        earliest = Math.min(earliest, entry.nextAttemptAtEpochMillis());
      }
    }
    if (earliest == Long.MAX_VALUE) {
      return policy.idlePoll().toNanos();
    }
    long millis = Math.max(0, earliest - ticker.epochMillis());
    return TimeUnit.MILLISECONDS.toNanos(Math.min(millis, policy.maxBackoff().toMillis()));
  }

  private enum Outcome {
    DELIVERED,
    FAILED,
    DEAD_LETTERED
  }
}
