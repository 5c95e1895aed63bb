package dev.sheepdog.state.redis;

import dev.sheepdog.spi.ModelId;
import dev.sheepdog.spi.Priority;
import dev.sheepdog.spi.SharedStateUnavailableException;
import dev.sheepdog.spi.SpendRow;
import dev.sheepdog.spi.SpendStore;
import dev.sheepdog.spi.TaskType;
import dev.sheepdog.spi.Ticker;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.RedisException;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.ScriptOutputType;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The spend counters in Redis, one hash per UTC day, shared by the fleet: {@code
 * P:spend:{epochDay}} with the fields {@code total}, {@code model:<id>}, {@code
 * route:<task:priority>}, {@code tag:<tag>} and {@code estimated:<id>} (of a model's spend, what
 * was priced from estimates), in nano-dollars. {@link RedisSharedState#reserve}
 * reads the same hash for budget checks, so every instance checks against the fleet's spend.
 *
 * <p><b>Adding, behind the requests.</b> {@link #add} merges the answer into this instance's sums
 * waiting to be written, one per counter, and returns: it never waits, never throws for Redis and
 * sends nothing itself. Every {@link RedisLink#WRITE_BEHIND} the link's writer thread sends what
 * waits as one script ({@code spend-add.lua}) per day, adding to all the fields at once. So a busy
 * instance writes its spend in a few commands per interval, not one per answer, and the fleet sees
 * an instance's spend at most that interval (plus a round trip) late; the instance itself counts
 * every answer at once (its budgets read the larger of its own count and the fleet's).
 *
 * <p><b>Exactly once.</b> Each batch (the sums of an interval, or sums that waited) carries an id, unique to this
 * store object: a random instance id and a sequence number. The script sets the id's bit in a
 * bitmap ({@code P:spendseen:{epochDay}:<instance>:<chunk>}, same slot as the day's hash, chunks of
 * {@value #CHUNK_BITS} bits, kept {@link #SEEN_TTL} after its latest write) and adds nothing if the
 * bit was set already. So a batch whose fate is unknown (it timed out, or the connection dropped
 * after it was written, and Lettuce may even replay it on reconnect) is simply sent again with the
 * same id: applied once whichever copy arrives first. The cost is one bit per batch in Redis.
 * The guarantee holds while Redis keeps its data and while the retry comes within {@link
 * #SEEN_TTL} of the bitmap's last write; a Redis that lost its data lost the counters too.
 *
 * <p><b>While Redis is away.</b> A batch the link refused before writing it (not connected,
 * isolated by the link's breaker, or Lettuce's own rejection while disconnected) was certainly not
 * applied: its sums are merged with the others waiting, one per counter, so memory stays bounded by
 * the counters, not by the answers. A batch whose fate is unknown is kept whole, with its id (at
 * most {@value #MAX_UNCERTAIN_BATCHES}; beyond that, further ones are merged, which may count them
 * twice, and a warning says so). Both are pushed when Redis answers again (the link's rejoin) and
 * every write interval — so a fleet's counters catch up with what each instance counted
 * locally meanwhile. {@link #pendingRows} counts what waits, for health (a few counters between
 * two writes, many while Redis is away).
 *
 * <p>Thread-safe.
 */
final class RedisSpendStore implements SpendStore, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RedisSpendStore.class);
  static final LuaScript ADD = LuaScript.load("spend-add.lua");
  /** How many days back {@link #load} reads. */
  static final int LOAD_DAYS = 400;
  static final int CHUNK_BITS = 20;
  static final Duration SEEN_TTL = Duration.ofDays(2);
  static final int MAX_UNCERTAIN_BATCHES = 10_000;
  private static final long MILLIS_PER_DAY = TimeUnit.DAYS.toMillis(1);
  private static final int SCAN_COUNT = 200;
  private static final String SEEN_TTL_MILLIS = Long.toString(SEEN_TTL.toMillis());

  /** One counter: a day and a field of its hash. */
  record Counter(long day, String field) {}

  /** Spend sent as one script: a day's fields, once, by id. */
  record Batch(long day, long sequence, Map<String, Long> fields) {}

  private final RedisLink link;
  private final Ticker ticker;
  private final String prefix;
  private final String instance;
  private final Pattern dayKey;
  private final AtomicLong sequence = new AtomicLong();
  /** Sums certainly not applied (not sent yet, or refused), merged per counter. */
  private final ConcurrentHashMap<Counter, Long> pending = new ConcurrentHashMap<>();
  /**
   * Adds merge under the read side (concurrently), {@link #push} takes the sums under the write
   * side: an answer's fields are all in one batch, never split between two.
   */
  private final java.util.concurrent.locks.ReadWriteLock merging =
      new java.util.concurrent.locks.ReentrantReadWriteLock();
  /** Batches that may or may not have been applied, kept with their ids. */
  private final ConcurrentLinkedQueue<Batch> uncertain = new ConcurrentLinkedQueue<>();
  private final AtomicInteger uncertainBatches = new AtomicInteger();
  private final AtomicInteger uncertainRows = new AtomicInteger();
  private final Set<CompletableFuture<?>> inFlight = ConcurrentHashMap.newKeySet();
  private final AtomicBoolean pushing = new AtomicBoolean();
  private final AtomicBoolean warnedOverflow = new AtomicBoolean();
  private final java.util.concurrent.ScheduledFuture<?> writes;
  private volatile boolean closed;

  RedisSpendStore(RedisLink link, Ticker ticker) {
    this(link, ticker, RedisLink.WRITE_BEHIND);
  }

  /** A store that writes what waits every {@code writeEvery} (and whenever Redis rejoins). */
  RedisSpendStore(RedisLink link, Ticker ticker, Duration writeEvery) {
    this.link = Objects.requireNonNull(link, "link must not be null");
    this.ticker = Objects.requireNonNull(ticker, "ticker must not be null");
    this.prefix = link.prefix();
    byte[] id = new byte[12];
    new SecureRandom().nextBytes(id);
    this.instance = HexFormat.of().formatHex(id);
    this.dayKey = Pattern.compile(Pattern.quote(prefix + ":spend:{") + "(-?\\d{1,12})\\}");
    this.writes = link.every(writeEvery, this::push);
    link.onRejoin(() -> {
      if (!closed) {
        link.soon(this::pushQuietly);
      }
    });
  }

  static String field(SpendRow.Kind kind, String key) {
    return switch (kind) {
      case TOTAL -> "total";
      case MODEL -> "model:" + key;
      case ROUTE -> "route:" + key;
      case TAG -> "tag:" + key;
      case ESTIMATED -> "estimated:" + key;
    };
  }

  /** The row a field of a day's hash is, or {@code null} for a field this store does not write. */
  static SpendRow row(long day, String field, String value) {
    SpendRow.Kind kind;
    String key;
    if (field.equals("total")) {
      kind = SpendRow.Kind.TOTAL;
      key = "";
    } else {
      int colon = field.indexOf(':');
      if (colon < 0) {
        return null;
      }
      key = field.substring(colon + 1);
      switch (field.substring(0, colon)) {
        case "model" -> kind = SpendRow.Kind.MODEL;
        case "route" -> kind = SpendRow.Kind.ROUTE;
        case "tag" -> kind = SpendRow.Kind.TAG;
        case "estimated" -> kind = SpendRow.Kind.ESTIMATED;
        default -> {
          return null;
        }
      }
    }
    try {
      long nanos = Long.parseLong(value);
      return nanos < 0 ? null : new SpendRow(day, kind, key, nanos);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /**
   * {@inheritDoc}
   *
   * <p>The days of the last {@value #LOAD_DAYS} found with {@code SCAN}, each read with {@code
   * HGETALL}, plus what waits here to be written. When Redis cannot be read the ledger starts from
   * what was read (nothing, if it is down) and a warning says so; this never throws.
   */
  @Override
  public List<SpendRow> load() {
    Map<Counter, Long> sums = new HashMap<>();
    long oldest = Math.floorDiv(ticker.epochMillis(), MILLIS_PER_DAY) - (LOAD_DAYS - 1);
    ScanArgs match = ScanArgs.Builder.matches(prefix + ":spend:{*}").limit(SCAN_COUNT);
    Set<String> seen = new HashSet<>();
    try {
      ScanCursor cursor = ScanCursor.INITIAL;
      do {
        ScanCursor from = cursor;
        KeyScanCursor<String> page = link.call(redis -> redis.scan(from, match));
        List<String> keys = new ArrayList<>();
        List<Long> days = new ArrayList<>();
        for (String key : page.getKeys()) {
          Matcher matcher = dayKey.matcher(key);
          if (matcher.matches() && seen.add(key)) {
            long day = Long.parseLong(matcher.group(1));
            if (day >= oldest) {
              keys.add(key);
              days.add(day);
            }
          }
        }
        if (!keys.isEmpty()) {
          List<Map<String, String>> hashes = link.call(redis -> {
            List<CompletableFuture<Map<String, String>>> reads = new ArrayList<>(keys.size());
            for (String key : keys) {
              reads.add(redis.hgetall(key).toCompletableFuture());
            }
            return CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new))
                .thenApply(done -> reads.stream().map(CompletableFuture::join).toList());
          });
          for (int i = 0; i < keys.size(); i++) {
            long day = days.get(i);
            hashes.get(i).forEach((field, value) -> {
              if (row(day, field, value) != null) {
                sums.merge(new Counter(day, field), Long.parseLong(value), Long::sum);
              }
            });
          }
        }
        cursor = page;
      } while (!cursor.isFinished());
    } catch (SharedStateUnavailableException e) {
      LOG.warn("the fleet's spend could not be read from {} ({}); the spend ledger starts from the {} counters"
          + " read, budgets count from there", link.describe(), e.getMessage(), sums.size());
    }
    pending.forEach((counter, nanos) -> sums.merge(counter, nanos, Long::sum));
    List<SpendRow> rows = new ArrayList<>(sums.size());
    sums.forEach((counter, nanos) -> rows.add(row(counter.day(), counter.field(), Long.toString(nanos))));
    rows.sort(Comparator.comparingLong(SpendRow::epochDay).thenComparing(row -> row.kind().name())
        .thenComparing(SpendRow::key));
    return rows;
  }

  /** {@inheritDoc} Merged into what waits, written with the rest. */
  @Override
  public void addEstimated(long epochDay, ModelId model, long nanos) {
    Objects.requireNonNull(model, "model must not be null");
    if (nanos <= 0) {
      return;
    }
    mergeAll(epochDay, Map.of(field(SpendRow.Kind.ESTIMATED, model.value()), nanos));
  }

  /** {@inheritDoc} Merged into what waits; the link's writer sends it within {@link RedisLink#WRITE_BEHIND}. */
  @Override
  public void add(long epochDay, ModelId model, TaskType task, Priority priority, Set<String> tags, long nanos) {
    SpendStore.checkAdd(model, task, priority, tags, nanos);
    if (nanos == 0) {
      return;
    }
    Map<String, Long> fields = new HashMap<>(4 + tags.size() * 2);
    fields.put(field(SpendRow.Kind.TOTAL, ""), nanos);
    fields.put(field(SpendRow.Kind.MODEL, model.value()), nanos);
    fields.put(field(SpendRow.Kind.ROUTE, SpendStore.routeKey(task, priority)), nanos);
    for (String tag : tags) {
      fields.put(field(SpendRow.Kind.TAG, tag), nanos);
    }
    mergeAll(epochDay, fields);
  }

  /** Merges one answer's (or one batch's) fields into what waits, all in the same batch to come. */
  private void mergeAll(long day, Map<String, Long> fields) {
    merging.readLock().lock();
    try {
      fields.forEach((field, nanos) -> pending.merge(new Counter(day, field), nanos, Long::sum));
    } finally {
      merging.readLock().unlock();
    }
  }

  private void send(Batch batch, boolean mayBeApplied) {
    long chunk = batch.sequence() >>> CHUNK_BITS;
    String bit = Long.toString(batch.sequence() & ((1L << CHUNK_BITS) - 1));
    String[] keys = {RedisSharedState.spendKey(prefix, batch.day()),
        prefix + ":spendseen:{" + batch.day() + "}:" + instance + ":" + chunk};
    String[] args = new String[2 + 2 * batch.fields().size()];
    args[0] = bit;
    args[1] = SEEN_TTL_MILLIS;
    int i = 2;
    for (Map.Entry<String, Long> field : batch.fields().entrySet()) {
      args[i++] = field.getKey();
      args[i++] = Long.toString(field.getValue());
    }
    CompletableFuture<Long> sent;
    try {
      sent = link.send(redis -> link.<Long>eval(redis, ADD, ScriptOutputType.INTEGER, keys, args));
    } catch (RuntimeException e) {
      sent = CompletableFuture.failedFuture(e);
    }
    // settled completes once a failed batch is kept again, so that flush never sees it nowhere
    CompletableFuture<Void> settled = sent.handle((applied, failure) -> {
      if (failure != null) {
        keep(batch, mayBeApplied || !neverSent(failure));
      }
      return null;
    });
    if (!settled.isDone()) {
      inFlight.add(settled);
      settled.whenComplete((done, failure) -> inFlight.remove(settled));
    }
  }

  /** Whether a failure proves the batch never reached Redis. */
  static boolean neverSent(Throwable failure) {
    Throwable cause = failure instanceof CompletionException && failure.getCause() != null
        ? failure.getCause() : failure;
    if (cause instanceof SharedStateUnavailableException) {
      return true; // the link refused it before touching the socket
    }
    // Lettuce refuses commands while disconnected (DisconnectedBehavior.REJECT_COMMANDS) before
    // writing them
    return cause instanceof RedisException && cause.getMessage() != null
        && cause.getMessage().startsWith("Currently not connected");
  }

  private void keep(Batch batch, boolean mayBeApplied) {
    if (mayBeApplied) {
      if (uncertainBatches.incrementAndGet() <= MAX_UNCERTAIN_BATCHES) {
        uncertainRows.addAndGet(batch.fields().size());
        uncertain.add(batch);
        return;
      }
      uncertainBatches.decrementAndGet();
      if (warnedOverflow.compareAndSet(false, true)) {
        LOG.warn("{} spend batches of unknown fate wait for {}; further ones are merged and may be counted twice",
            MAX_UNCERTAIN_BATCHES, link.describe());
      }
    }
    mergeAll(batch.day(), batch.fields());
  }

  private void pushQuietly() {
    try {
      push();
    } catch (RuntimeException e) {
      LOG.warn("pushing waiting spend to {}: {}", link.describe(), RedisLink.oneLine(e));
    }
  }

  /**
   * Sends everything waiting: each batch of unknown fate again with its id, the merged sums as one
   * new batch per day. What fails again waits again.
   */
  void push() {
    if (closed || link.isolatedNow()) {
      return;
    }
    if (pushing.compareAndSet(false, true)) {
      try {
        for (int n = uncertainBatches.get(); n > 0; n--) {
          Batch batch = uncertain.poll();
          if (batch == null) {
            break;
          }
          uncertainBatches.decrementAndGet();
          uncertainRows.addAndGet(-batch.fields().size());
          send(batch, true);
        }
      } finally {
        pushing.set(false);
      }
    }
    sendPending();
  }

  /**
   * {@inheritDoc} Sends the merged sums now, from the caller's thread, and waits for every spend
   * write in flight (this one, and the writer's) to be answered, for at most the hot-path timeout:
   * an instance that gives an answer near a cap has its spend in Redis first, so two instances
   * answering at the same moment cannot both admit another request past the cap.
   */
  @Override
  public void writeNow() {
    if (closed || link.isolatedNow()) {
      return;
    }
    sendPending();
    CompletableFuture<?>[] waiting = inFlight.toArray(CompletableFuture[]::new);
    if (waiting.length == 0) {
      return;
    }
    try {
      CompletableFuture.allOf(waiting).get(link.hotPathNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      // a failed or slow write waits again and is retried; the answer goes on
    }
  }

  /** Takes the merged sums (whole answers only) and sends them as one new batch per day. */
  private void sendPending() {
    if (pending.isEmpty()) {
      return;
    }
    Map<Long, Map<String, Long>> byDay = new HashMap<>();
    merging.writeLock().lock();
    try {
      for (Counter counter : List.copyOf(pending.keySet())) {
        Long taken = pending.remove(counter);
        if (taken != null) {
          byDay.computeIfAbsent(counter.day(), d -> new LinkedHashMap<>()).put(counter.field(), taken);
        }
      }
    } finally {
      merging.writeLock().unlock();
    }
    byDay.forEach((day, fields) -> send(new Batch(day, sequence.getAndIncrement(), fields), false));
  }

  /**
   * Pushes what waits and waits up to {@code within} for it and for every add sent so far to be
   * answered.
   *
   * @return whether nothing waits any more
   */
  boolean flush(Duration within) {
    long deadline = System.nanoTime() + within.toNanos();
    while (true) {
      push();
      CompletableFuture<?>[] waiting = inFlight.stream().filter(future -> !future.isDone())
          .toArray(CompletableFuture[]::new);
      if (waiting.length == 0 && (pendingRows() == 0 || link.isolatedNow())) {
        return pendingRows() == 0;
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return false;
      }
      if (waiting.length == 0) {
        // what failed waits again; another thread may be pushing it: look again shortly
        java.util.concurrent.locks.LockSupport.parkNanos(Math.min(left, TimeUnit.MILLISECONDS.toNanos(5)));
        continue;
      }
      try {
        CompletableFuture.allOf(waiting).get(left, TimeUnit.NANOSECONDS);
      } catch (ExecutionException e) {
        // settled futures do not fail; nothing to do
      } catch (TimeoutException e) {
        return false;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
  }

  /** Nano-dollars of a day's field this store has not written yet (merged sums; 0 if none). */
  long waiting(long epochDay, String field) {
    Long nanos = pending.get(new Counter(epochDay, field));
    return nanos == null ? 0 : nanos;
  }

  /** How many counters wait to be written: merged sums plus the fields of batches of unknown fate. */
  int pendingRows() {
    return pending.size() + uncertainRows.get();
  }

  /** Stops writing; what still waits is lost with the process (flush first). */
  @Override
  public void close() {
    closed = true;
    writes.cancel(false);
  }
}
