package dev.sheepdog.core;

import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * The future {@code route()} hands out, and one of the ways a request can end.
 *
 * <p>The execution completes it through {@link #settle} and {@link #settleExceptionally}, after it
 * has won the request's terminal claim. Everyone else — the caller's {@code cancel}, {@code
 * complete}, {@code completeExceptionally}, {@code orTimeout} — completes it only by winning that
 * same claim first ({@link RouteExecution#claimForCaller}); once the request's end is claimed
 * otherwise (an answer on its way, a deferral being stored), they return {@code false} and leave
 * the future to the winner, so the caller always learns what the request's end was (a deferred id
 * included). A caller who wins ends the request: its timer, its retry rounds and its calls in
 * flight are cancelled.
 *
 * <p>Overriding the completing methods does what a {@code whenComplete} callback would, without a
 * callback and the future it returns per request; Failsafe's {@code FailsafeFuture} hooks its
 * completion the same way. Dependent stages are plain {@code CompletableFuture}s.
 */
final class ExecutionFuture<T> extends CompletableFuture<T> {
  private static final String COMPLETED_BY_CALLER = "the caller completed the request";

  private final RouteExecution<T> execution;

  ExecutionFuture(RouteExecution<T> execution) {
    this.execution = execution;
  }

  /** Completes with the answer; only by the winner of the request's terminal claim. */
  void settle(T value) {
    super.complete(value);
  }

  /** Completes with the failure; only by the winner of the request's terminal claim. */
  void settleExceptionally(Throwable failure) {
    super.completeExceptionally(failure);
  }

  @Override
  public boolean complete(T value) {
    if (!execution.claimForCaller()) {
      return false;
    }
    boolean completed = super.complete(value);
    execution.endedByCaller(COMPLETED_BY_CALLER);
    return completed;
  }

  @Override
  public boolean completeExceptionally(Throwable failure) {
    Objects.requireNonNull(failure, "failure");
    if (!execution.claimForCaller()) {
      return false;
    }
    boolean completed = super.completeExceptionally(failure);
    execution.endedByCaller(COMPLETED_BY_CALLER);
    return completed;
  }

  /**
   * Cancels the request, unless its end is already claimed: then returns {@code false} (or
   * {@code true} if a cancel won), and the future completes as that end decides.
   */
  @Override
  public boolean cancel(boolean mayInterruptIfRunning) {
    if (!execution.claimForCaller()) {
      return isCancelled();
    }
    boolean cancelled = super.cancel(mayInterruptIfRunning);
    execution.endedByCaller("cancelled by the caller");
    return cancelled;
  }

  /** Forces the value, as the JDK's does; if the request was still running, it ends here. */
  @Override
  public void obtrudeValue(T value) {
    super.obtrudeValue(value);
    if (execution.claimForCaller()) {
      execution.endedByCaller(COMPLETED_BY_CALLER);
    }
  }

  /** Forces the failure, as the JDK's does; if the request was still running, it ends here. */
  @Override
  public void obtrudeException(Throwable failure) {
    super.obtrudeException(failure);
    if (execution.claimForCaller()) {
      execution.endedByCaller(COMPLETED_BY_CALLER);
    }
  }

  /** Completes through {@link #complete}, so the claim decides here too (the JDK's bypasses it). */
  @Override
  public CompletableFuture<T> completeAsync(Supplier<? extends T> supplier, Executor executor) {
    Objects.requireNonNull(supplier, "supplier");
    Objects.requireNonNull(executor, "executor");
    executor.execute(() -> {
      if (isDone()) {
        return;
      }
      try {
        complete(supplier.get());
      } catch (Throwable failure) {
        completeExceptionally(failure);
      }
    });
    return this;
  }

  @Override
  public CompletableFuture<T> completeAsync(Supplier<? extends T> supplier) {
    return completeAsync(supplier, defaultExecutor());
  }
}
