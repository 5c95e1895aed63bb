package dev.sheepdog.state.redis;

import dev.sheepdog.spi.AlertType;
import dev.sheepdog.spi.RouterEvent;
import dev.sheepdog.spi.RouterListener;
import dev.sheepdog.spi.SharedStateUnavailableException;
import dev.sheepdog.spi.StateStore;
import dev.sheepdog.spi.Ticker;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one multiplexed connection to Redis every piece of shared state goes through, with the rules
 * that keep a slow or missing Redis from hurting requests.
 *
 * <ul>
 *   <li><b>Bounded waits.</b> A command on the request's path ({@link #hot}) is awaited for the
 *       hot-path timeout (5 ms by default), anything else ({@link #call}) for the command timeout;
 *       a command that does not answer in time counts as a failure and the caller gets a {@link
 *       SharedStateUnavailableException}.
 *   <li><b>A breaker of its own.</b> After {@code failuresToIsolate} failures in a row Redis is
 *       isolated for the isolation time (timeouts only once they have gone on for {@link
 *       #SLOW_FOR}: a hiccup of the machine times out every command waiting at once): calls fail at once without touching the socket. Then one
 *       call is let through as a trial; its success ends the episode (a late answer to a command
 *       sent before the episode does not).
 *   <li><b>Never down for good.</b> While disconnected, Lettuce rejects commands at once and
 *       reconnects in the background (every second at most); if Redis was not there at start, a
 *       connector thread keeps trying. When Redis answers again the instance rejoins without a
 *       restart.
 *   <li><b>Writes behind the requests.</b> What a request needs no answer for (spend, token
 *       corrections) is merged in memory and sent by the writer thread every {@link
 *       #WRITE_BEHIND}, so a request's path awaits one round trip and the connection carries a
 *       few more commands per interval, not per request.
 *   <li><b>Said out loud.</b> An isolation episode logs one warning and raises {@link
 *       AlertType#STATE_STORE_FAILING} through the listener; its end resolves it. {@link #health}
 *       feeds the store's metrics.
 * </ul>
 *
 * <p>Thread-safe: Lettuce's connection is, and the breaker is a pair of atomics.
 */
final class RedisLink implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RedisLink.class);
  private static final String SUBJECT = "state";
  /**
   * How often the writes that need no answer on a request's path (spend, token corrections) are
   * sent, merged: a busy instance sends a few commands per interval instead of one per answer.
   */
  static final Duration WRITE_BEHIND = Duration.ofMillis(10);
  /**
   * How long commands must have gone unanswered in a row (timeouts, nothing answered in between)
   * before that isolates Redis. A busy machine can hold the I/O thread back for a few
   * milliseconds, timing out every command waiting at once; that is not a Redis to leave for a
   * second (each of those requests fell back on its own already). Refusals (not connected) isolate
   * at once.
   */
  static final Duration SLOW_FOR = Duration.ofMillis(100);

  private final RedisSettings settings;
  private final RouterListener listener;
  private final Ticker ticker;
  private final String where;
  private final ClientResources resources;
  private final RedisClient client;
  private final AtomicReference<StatefulRedisConnection<String, String>> connection = new AtomicReference<>();
  private final ScheduledExecutorService connector;
  /** Runs the writes that go behind the requests ({@link #every}) and the pushes after a rejoin. */
  private final ScheduledExecutorService writer;
  private final long hotNanos;
  private final long commandNanos;
  private final long isolationNanos;
  private final AtomicInteger consecutiveFailures = new AtomicInteger();
  /** Ticker nanos of the first failure of the current run of failures. */
  private final AtomicLong failingSince = new AtomicLong();
  /** Ticker nanos until which Redis is isolated; only meaningful while {@link #isolated} is set. */
  private final AtomicLong isolatedUntil = new AtomicLong();
  private final java.util.concurrent.atomic.AtomicBoolean isolated = new java.util.concurrent.atomic.AtomicBoolean();
  /**
   * Counts isolation episodes. A command remembers the episode it was issued in, so that an answer
   * to a command sent before Redis was isolated (late, but an answer) does not end the episode:
   * only the trial sent during it does.
   */
  private final AtomicLong episode = new AtomicLong();
  private final AtomicLong failures = new AtomicLong();
  private final AtomicReference<String> lastError = new AtomicReference<>("");
  private final java.util.List<Runnable> onRejoin = new java.util.concurrent.CopyOnWriteArrayList<>();
  private volatile boolean closed;

  RedisLink(RedisSettings settings, RouterListener listener, Ticker ticker) {
    this.settings = settings;
    this.listener = listener;
    this.ticker = ticker;
    this.where = settings.uri();
    this.hotNanos = settings.hotPathTimeout().toNanos();
    this.commandNanos = settings.commandTimeout().toNanos();
    this.isolationNanos = settings.isolation().toNanos();
    this.resources = ClientResources.builder().ioThreadPoolSize(2).computationThreadPoolSize(2)
        .reconnectDelay(Delay.exponential(Duration.ofMillis(50), Duration.ofSeconds(1), 2, TimeUnit.MILLISECONDS))
        .build();
    RedisURI uri = RedisURI.create(settings.uri());
    if (settings.password() != null) {
      uri.setCredentialsProvider(new io.lettuce.core.StaticCredentialsProvider(null, settings.password()));
    }
    uri.setSsl(settings.usesTls());
    uri.setTimeout(settings.commandTimeout());
    this.client = RedisClient.create(resources, uri);
    client.setOptions(ClientOptions.builder()
        .autoReconnect(true)
        .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
        .timeoutOptions(TimeoutOptions.enabled(settings.commandTimeout()))
        .socketOptions(SocketOptions.builder().connectTimeout(settings.commandTimeout()).keepAlive(true)
            .tcpNoDelay(true).build())
        .build());
    this.connector = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread thread = new Thread(r, "sheepdog-redis-connector");
      thread.setDaemon(true);
      return thread;
    });
    this.writer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread thread = new Thread(r, "sheepdog-redis-writer");
      thread.setDaemon(true);
      return thread;
    });
  }

  /**
   * Runs {@code task} every {@code period} on the link's writer thread, until the link closes (or
   * the returned future is cancelled). A task that throws is logged and runs again next time.
   */
  java.util.concurrent.ScheduledFuture<?> every(Duration period, Runnable task) {
    long nanos = period.toNanos();
    return writer.scheduleWithFixedDelay(() -> {
      try {
        task.run();
      } catch (RuntimeException e) {
        LOG.warn("writing to {}: {}", where, oneLine(e));
      }
    }, nanos, nanos, TimeUnit.NANOSECONDS);
  }

  /** Runs {@code task} once soon on the writer thread (never on the caller's); nothing once closed. */
  void soon(Runnable task) {
    try {
      writer.execute(task);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // closed
    }
  }

  /** Connects now; if Redis is not there, starts isolated and keeps trying in the background. */
  void connect() {
    if (!tryConnect()) {
      connector.scheduleWithFixedDelay(() -> {
        if (connection.get() == null && !closed) {
          tryConnect();
        }
      }, isolationNanos, isolationNanos, TimeUnit.NANOSECONDS);
    }
  }

  private boolean tryConnect() {
    try {
      StatefulRedisConnection<String, String> opened = client.connect();
      if (!connection.compareAndSet(null, opened)) {
        opened.close();
      }
      succeeded(episode.get());
      return true;
    } catch (RuntimeException e) {
      failed(e);
      return false;
    }
  }

  /**
   * Adds an action run each time Redis answers again after an isolation episode (to push what
   * waited). Actions run on the thread that saw the answer (possibly an I/O thread), so they must
   * not block; each store registers its own.
   */
  void onRejoin(Runnable action) {
    this.onRejoin.add(java.util.Objects.requireNonNull(action, "action must not be null"));
  }

  String describe() {
    return "redis " + settings.uri() + (settings.usesTls() ? " (tls)" : "") + ", prefix " + settings.prefix();
  }

  String prefix() {
    return settings.prefix();
  }

  /** Whether calls fail at once now (Redis isolated and no trial due). */
  boolean isolatedNow() {
    return isolated.get() && isolatedUntil.get() - ticker.nanoTime() > 0;
  }

  /** The hot-path timeout: the longest a request waits for Redis. */
  long hotPathNanos() {
    return hotNanos;
  }

  /** Awaits a command on a request's path for at most the hot-path timeout. */
  <T> T hot(Function<RedisAsyncCommands<String, String>, ? extends CompletionStage<T>> command) {
    return await(command, hotNanos);
  }

  /** Awaits a command off the hot path for at most the command timeout. */
  <T> T call(Function<RedisAsyncCommands<String, String>, ? extends CompletionStage<T>> command) {
    return await(command, commandNanos);
  }

  /**
   * Sends a command without waiting; its failure is counted. Returns the future, or a failed one at
   * once when Redis is isolated.
   */
  <T> CompletableFuture<T> send(Function<RedisAsyncCommands<String, String>, ? extends CompletionStage<T>> command) {
    CompletableFuture<T> future;
    long issuedIn = episode.get();
    try {
      future = issue(command);
    } catch (SharedStateUnavailableException e) {
      return CompletableFuture.failedFuture(e);
    }
    return future.whenComplete((value, failure) -> {
      if (failure == null) {
        succeeded(issuedIn);
      } else {
        failed(failure);
      }
    });
  }

  private <T> T await(Function<RedisAsyncCommands<String, String>, ? extends CompletionStage<T>> command,
      long timeoutNanos) {
    long issuedIn = episode.get();
    CompletableFuture<T> future = issue(command);
    try {
      T value = future.get(timeoutNanos, TimeUnit.NANOSECONDS);
      succeeded(issuedIn);
      return value;
    } catch (TimeoutException e) {
      future.cancel(false);
      failed(new TimeoutException("no answer within " + Duration.ofNanos(timeoutNanos).toMillis() + " ms"));
      throw unavailable("did not answer within " + Duration.ofNanos(timeoutNanos).toMillis() + " ms");
    } catch (ExecutionException e) {
      failed(e.getCause());
      throw unavailable(oneLine(e.getCause()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      future.cancel(false);
      throw unavailable("interrupted");
    }
  }

  private <T> CompletableFuture<T> issue(
      Function<RedisAsyncCommands<String, String>, ? extends CompletionStage<T>> command) {
    StatefulRedisConnection<String, String> current = connection.get();
    if (current == null) {
      throw unavailable("not connected");
    }
    if (isolated.get()) {
      long until = isolatedUntil.get();
      long now = ticker.nanoTime();
      // isolated: only the caller that moves the deadline on gets to try, as the trial
      if (until - now > 0 || !isolatedUntil.compareAndSet(until, now + isolationNanos)) {
        throw unavailable("isolated after failures (" + lastError.get() + ")");
      }
    }
    try {
      return command.apply(current.async()).toCompletableFuture();
    } catch (RuntimeException e) {
      failed(e);
      throw unavailable(oneLine(e));
    }
  }

  /** Runs a Lua script by its digest, loading it when the server lost it (a restarted Redis). */
  <T> CompletionStage<T> eval(RedisAsyncCommands<String, String> redis, LuaScript script, ScriptOutputType type,
      String[] keys, String... args) {
    CompletionStage<T> first = redis.evalsha(script.sha(), type, keys, args);
    return first.handle((value, failure) -> {
      if (failure == null) {
        return CompletableFuture.completedFuture(value);
      }
      Throwable cause = failure instanceof java.util.concurrent.CompletionException ? failure.getCause() : failure;
      if (cause instanceof io.lettuce.core.RedisNoScriptException) {
        return redis.<T>eval(script.source(), type, keys, args).toCompletableFuture();
      }
      return CompletableFuture.<T>failedFuture(cause);
    }).thenCompose(Function.identity());
  }

  private SharedStateUnavailableException unavailable(String why) {
    return new SharedStateUnavailableException("redis " + where + " " + why);
  }

  /** A command issued in isolation episode {@code issuedIn} answered. */
  private void succeeded(long issuedIn) {
    if (issuedIn != episode.get()) {
      return; // sent before the current episode began: a late answer, not the trial's
    }
    consecutiveFailures.set(0);
    if (isolated.compareAndSet(true, false)) {
      String message = "shared state store " + where + " answers again; this instance shares limits, spend and"
          + " circuits with the fleet";
      LOG.info(message);
      emit(true, message);
      for (Runnable action : onRejoin) {
        try {
          action.run();
        } catch (RuntimeException e) {
          LOG.warn("after rejoining {}: {}", where, oneLine(e));
        }
      }
    }
  }

  private void failed(Throwable failure) {
    failures.incrementAndGet();
    String reason = oneLine(failure);
    lastError.set(reason);
    long now = ticker.nanoTime();
    int inARow = consecutiveFailures.incrementAndGet();
    if (inARow == 1) {
      failingSince.set(now);
    }
    boolean slowOnly = isTimeout(failure) && connection.get() != null;
    if (inARow >= settings.failuresToIsolate()
        && (!slowOnly || now - failingSince.get() >= SLOW_FOR.toNanos()) || connection.get() == null) {
      isolatedUntil.set(ticker.nanoTime() + isolationNanos);
      if (isolated.compareAndSet(false, true)) {
        episode.incrementAndGet();
        String message = "shared state store " + where + " is failing (" + reason + "); this instance falls back"
            + " to its local share of limits, its own spend and its own circuits until it answers";
        LOG.warn(message);
        emit(false, message);
      }
    }
  }

  /** Whether a failure says Redis was slow (no answer in time) rather than unreachable. */
  static boolean isTimeout(Throwable failure) {
    Throwable cause = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
        ? failure.getCause() : failure;
    return cause instanceof TimeoutException || cause instanceof io.lettuce.core.RedisCommandTimeoutException;
  }

  /** One line naming what failed, never a password (Lettuce's messages name host and port only). */
  static String oneLine(Throwable failure) {
    if (failure == null) {
      return "unknown failure";
    }
    String message = failure.getMessage();
    String text = failure.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    int newline = text.indexOf('\n');
    text = newline < 0 ? text : text.substring(0, newline);
    return text.length() > 200 ? text.substring(0, 200) + "…" : text;
  }

  private void emit(boolean resolved, String message) {
    try {
      listener.onEvent(new RouterEvent.Alert(AlertType.STATE_STORE_FAILING, SUBJECT, resolved, message,
          ticker.epochMillis()));
    } catch (RuntimeException e) {
      // listeners must not throw; the store keeps working either way
    }
  }

  /** Whether Redis is isolated, how many commands failed, and the latest failure. */
  StateStore.StoreHealth health(long pendingSpendRows) {
    return new StateStore.StoreHealth(isolated.get(), failures.get(), pendingSpendRows, lastError.get());
  }

  @Override
  public void close() {
    closed = true;
    connector.shutdownNow();
    writer.shutdownNow();
    StatefulRedisConnection<String, String> current = connection.getAndSet(null);
    if (current != null) {
      current.close();
    }
    client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    resources.shutdown(0, 2, TimeUnit.SECONDS);
  }
}
