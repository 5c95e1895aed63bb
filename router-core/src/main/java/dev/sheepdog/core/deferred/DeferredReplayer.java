package dev.sheepdog.core.deferred;

import dev.sheepdog.spi.DeferredAnswer;
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

/**
 * Replays deferred requests through a function, such as {@code request ->
 * router.route(request.request(), request.hints())}, and settles each entry in the queue.
 *
 * <p>A failed replay puts the entry back with a growing backoff ({@link ReplayPolicy}, 5 s doubling
 * to 5 min); after {@code maxReplays} failures it is dead-lettered with the last reason. The
 * replayer's judge ({@link ReplayFailure}) may say otherwise: a failure no replay can cure (a
 * request the model rejects) dead-letters the entry at once, and a replay that could not try any
 * model (every circuit open) puts the entry back without counting it, due when a model is expected
 * to take requests again, or after the maximum backoff if that is sooner (the wait is stored with the
 * entry, and after a restart the circuits it waited for are closed again). Outcomes go to a {@link DeferredReplayListener}. Replays run either one
 * pass at a time with {@link #replayDue()} or automatically after {@link #start()}, each pass
 * scheduled for when the earliest entry falls due.
 *
 * <p><b>Delivery, exactly once.</b> Before replaying an entry the replayer {@linkplain
 * DeferredQueue#claim claims} it under a lease ({@link ReplayPolicy#lease()}), and settles it with
 * the claim number it was given, keeping the answer in the queue. Two replayers (two passes, two
 * processes on one durable store) never both hold an entry; a replayer that dies mid-replay leaves
 * the entry {@code REPLAYING} until its lease ends, and then any replayer claims it again. A
 * replayer whose lease ended while its replay still ran finds its claim stale when the answer
 * comes: the queue keeps the answer that settled first and this one is dropped (the listener is
 * not told), so a client fetching the answer sees one delivery. The upstream may have been called
 * twice in that case; the request's idempotency key, the same for every replay, lets downstream
 * recognise the repeat. Leases should therefore be longer than a replay's deadline.
 *
 * <p><b>Concurrency.</b> Passes may overlap (a manual pass during an automatic one); an in-flight
 * set keeps this replayer's passes off each other's entries without a round trip to the queue, and
 * a pass looks past the entries in flight, so entries another pass is replaying never fill its
 * batch and hide a due entry behind them. Nothing blocks on a replay: a pass's future completes
 * when its last replay completes. The automatic schedule is guarded by this object's monitor, held
 * only to swap the scheduled handle; a pass that found nothing to replay schedules the next one no
 * sooner than the initial backoff, so the shared scheduler thread never spins on a queue whose due
 * entries it cannot take.
 *
 * @param <R> what the replay function answers
 */
public final class DeferredReplayer<R> {
  private final DeferredQueue queue;
  private final Function<DeferredRequest, CompletableFuture<R>> replay;
  private final Function<R, DeferredAnswer> answerOf;
  private final DeferredReplayListener<R> listener;
  private final ReplayPolicy policy;
  private final Ticker ticker;
  private final Scheduler scheduler;
  private final Function<Throwable, ReplayFailure> judge;
  private final Set<String> inFlight = ConcurrentHashMap.newKeySet();

  private boolean running;
  private Scheduler.Cancellable nextPass = Scheduler.Cancellable.DONE;
  private long nextPassAtNanos = Long.MAX_VALUE;

  /**
   * A replayer that keeps {@code answerOf(result)} with each delivered entry and counts every failed
   * replay towards the policy's maximum.
   */
  public DeferredReplayer(
      DeferredQueue queue,
      Function<DeferredRequest, CompletableFuture<R>> replay,
      Function<R, DeferredAnswer> answerOf,
      DeferredReplayListener<R> listener,
      ReplayPolicy policy,
      Ticker ticker,
      Scheduler scheduler) {
    this(queue, replay, answerOf, listener, policy, ticker, scheduler, failure -> ReplayFailure.retry());
  }

  /**
   * A replayer that asks {@code judge} what a failed replay means (given the failure the replay
   * function's future failed with, unwrapped): replaying a request that can never succeed would
   * only call the models again for nothing, and a replay that tried no model should not use up a
   * replay.
   */
  public DeferredReplayer(
      DeferredQueue queue,
      Function<DeferredRequest, CompletableFuture<R>> replay,
      Function<R, DeferredAnswer> answerOf,
      DeferredReplayListener<R> listener,
      ReplayPolicy policy,
      Ticker ticker,
      Scheduler scheduler,
      Function<Throwable, ReplayFailure> judge) {
    this.judge = Objects.requireNonNull(judge, "failure judge must not be null");
    this.queue = Objects.requireNonNull(queue, "queue must not be null");
    this.replay = Objects.requireNonNull(replay, "replay function must not be null");
    this.answerOf = Objects.requireNonNull(answerOf, "answer function must not be null");
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
      // the claim is the queue's word: another pass or process may have settled or claimed it since
      DeferredEntry entry = claim(listed.id(), now);
      if (entry == null) {
        inFlight.remove(listed.id());
        continue;
      }
      replays.add(replayOne(entry));
    }
    return CompletableFuture.allOf(replays.toArray(CompletableFuture[]::new)).thenApply(ignored -> {
      int delivered = 0;
      int failed = 0;
      int dead = 0;
      int lost = 0;
      for (CompletableFuture<Outcome> r : replays) {
        switch (r.join()) {
          case DELIVERED -> delivered++;
          case FAILED -> failed++;
          case DEAD_LETTERED -> dead++;
          case LOST -> lost++;
        }
      }
      return new ReplayPass(replays.size() - lost, delivered, failed, dead);
    });
  }

  /**
   * Replays one entry now, due or not, as an operator's "retry this one" would. Completes after the
   * listener has heard the outcome, with the entry as it was settled: {@code DELIVERED}, {@code
   * QUEUED} again with a later next attempt, or {@code DEAD_LETTERED}. Completes empty when no entry
   * with that id can be claimed: none is queued, or a replay of it is under way.
   */
  public CompletableFuture<Optional<DeferredEntry>> replayNow(String id) {
    Objects.requireNonNull(id, "id must not be null");
    if (!inFlight.add(id)) {
      return CompletableFuture.completedFuture(Optional.empty());
    }
    DeferredEntry entry = claim(id, ticker.epochMillis());
    if (entry == null) {
      inFlight.remove(id);
      return CompletableFuture.completedFuture(Optional.empty());
    }
    return replayOne(entry).thenApply(outcome -> Optional.of(queue.find(id).orElse(entry)));
  }

  private DeferredEntry claim(String id, long now) {
    try {
      return queue.claim(id, now, now + policy.lease().toMillis()).orElse(null);
    } catch (RuntimeException e) {
      return null; // a store that cannot claim now: the entry stays as it is and a later pass tries again
    }
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
      } catch (RuntimeException e) {
        // the store could not settle it: the lease ends and the entry is claimed again
        return Outcome.LOST;
      } finally {
        inFlight.remove(entry.id());
      }
    });
  }

  private Outcome delivered(DeferredEntry entry, R result) {
    DeferredAnswer answer = answerOf.apply(result);
    if (!queue.markDelivered(entry.id(), entry.claim(), answer)) {
      return Outcome.LOST;
    }
    DeferredEntry settled = queue.find(entry.id()).orElse(entry.deliveredWith(answer));
    try {
      listener.onDelivered(settled, result);
    } catch (RuntimeException e) {
      // the entry is delivered either way; a listener must not throw
    }
    return Outcome.DELIVERED;
  }

  private Outcome failed(DeferredEntry entry, Throwable error) {
    String reason = reasonOf(error);
    long now = ticker.epochMillis();
    ReplayFailure verdict = judgement(error);
    if (verdict.kind() == ReplayFailure.Kind.NOT_TRIED) {
      // capped like a backoff: a wait for a circuit is stored with the entry, and after a restart the
      // circuits it waited for are closed again
      long wait = Math.min(Math.max(verdict.retryIn().toMillis(), policy.initialBackoff().toMillis()),
          policy.maxBackoff().toMillis());
      return queue.release(entry.id(), entry.claim(), reason, now + wait) ? Outcome.FAILED : Outcome.LOST;
    }
    int failures = entry.replays() + 1;
    boolean last = failures >= policy.maxReplays() || verdict.kind() == ReplayFailure.Kind.GIVE_UP;
    boolean settledHere = last
        ? queue.markDeadLettered(entry.id(), entry.claim(), reason)
        : queue.markFailed(entry.id(), entry.claim(), reason, now + policy.backoffAfter(failures).toMillis());
    if (!settledHere) {
      return Outcome.LOST;
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

  private ReplayFailure judgement(Throwable error) {
    try {
      ReplayFailure verdict = judge.apply(error);
      return verdict != null ? verdict : ReplayFailure.retry();
    } catch (RuntimeException e) {
      return ReplayFailure.retry(); // a judge that cannot tell leaves the entry to the usual backoff
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

  /**
   * Until the earliest unsettled entry falls due (a queued entry's next attempt, or the end of a
   * replay's lease, when that replay may need taking over); the idle poll when there is none.
   */
  private long delayUntilEarliestDue() {
    long earliest;
    try {
      earliest = queue.nextDueAtEpochMillis();
    } catch (RuntimeException e) {
      earliest = Long.MAX_VALUE; // a store that cannot answer now is asked again after the idle poll
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
    DEAD_LETTERED,
    /** The claim went stale or the store could not settle: another claim settles the entry. */
    LOST
  }
}
