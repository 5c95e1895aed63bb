package dev.sheepdog.state.redis;

import dev.sheepdog.spi.DeferredAnswer;
import dev.sheepdog.spi.DeferredEntry;
import dev.sheepdog.spi.DeferredQueue;
import dev.sheepdog.spi.DeferredRequest;
import dev.sheepdog.spi.DeferredState;
import dev.sheepdog.spi.SharedStateUnavailableException;
import dev.sheepdog.spi.Ticker;
import dev.sheepdog.state.codec.StateJson;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.ScoredValue;
import io.lettuce.core.ScriptOutputType;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The deferred queue in Redis, shared by every gateway instance that points at the same Redis and
 * key prefix: any instance finds any entry (a client fetches its answer wherever it lands), and an
 * entry whose replayer died is claimed by another instance once the lease has ended, then
 * delivered once.
 *
 * <p><b>Keys.</b> All under one hash tag, so that every script touches one slot of a Redis Cluster:
 *
 * <ul>
 *   <li>{@code <prefix>:deferred:{q}:e:<id>}: a hash per entry: {@code request} (JSON), {@code
 *       state}, {@code replays}, {@code next} (next attempt), {@code reason}, {@code claim}, {@code
 *       lease} (lease end), {@code seq} (deferral order), {@code deferredAt}, and once settled
 *       {@code settledAt} and, when delivered, {@code answer} (JSON);
 *   <li>{@code ...:due}: the unsettled entries ({@code QUEUED} or {@code REPLAYING}) scored by when
 *       they can next be taken: the next attempt of a queued entry, the lease end of one being
 *       replayed, so that an entry whose replayer died falls due again when its lease ends. Its
 *       size is the number of unsettled entries, which the capacity bounds;
 *   <li>{@code ...:order}: every entry held, scored by deferral order, for {@link #entries};
 *   <li>{@code ...:settled}: delivered and dead-lettered entries in settling order, to forget them;
 *   <li>{@code ...:seq}: the counter that orders deferrals and settlements;
 *   <li>{@code ...:log}: a stream with one record ({@code id}, {@code deferredAt}) per deferral,
 *       trimmed to about {@code capacity}, for operators ({@code XRANGE}); nothing reads it.
 * </ul>
 *
 * <p>Scripts that walk an index (due, settle, next) reach the entry hashes it names by building
 * their keys from the prefix rather than being given them; those keys carry the same hash tag, so
 * they are in the slot of the script's declared keys, as Redis Cluster requires. "Oldest first"
 * is the order in which offers reached Redis (the counter), whichever instance made them.
 *
 * <p><b>Atomicity.</b> Every change is one Lua script: an offer checks the id and the capacity and
 * parks the entry; a claim checks the state and lease and raises the claim number; a settle
 * changes the entry only while the claim it is given is the entry's, so of replayers racing on any
 * number of instances one gets an entry, and a replayer whose claim went stale changes nothing and
 * gets {@code false}. The answer kept is the first one settled.
 *
 * <p><b>Bounds.</b> At most {@code capacity} entries are unsettled; beyond that an offer is refused
 * with {@value #FULL}. A settled entry stays findable for {@code retention} (a {@code PEXPIRE} on
 * its hash, so Redis frees it even when nothing else happens) and among the newest {@code retained}
 * settled ones: each settle forgets, oldest first, those past the retention by this instance's
 * clock and those beyond the count. No call holds Redis up for long: {@link #due} returns at most
 * {@code max} entries and reads at most {@code max} of them, or pages of {@value #PAGE} when more
 * are due; {@link #entries} returns at most {@code capacity + retained}, read in pages.
 *
 * <p><b>Durability.</b> An offer that returned {@code true} is in Redis's memory; it survives a
 * Redis restart only when Redis persists (AOF, ideally {@code appendfsync everysec} or {@code
 * always}, or RDB snapshots, which lose what came after the last one). Without persistence a Redis
 * restart loses every deferred entry and answer. Redis must not evict these keys: run it with
 * {@code maxmemory-policy noeviction} (an unsettled entry whose hash was evicted anyway stops
 * counting against the capacity at the next {@link #due}).
 *
 * <p><b>Failures.</b> Every call waits at most the link's command timeout. An offer Redis does not
 * take (unreachable, slow, isolated by the link's breaker) is refused with {@value #UNREACHABLE};
 * it never throws for that, and the caller tells its client the request was not deferred. A
 * timed-out offer may still have reached Redis: the entry is then replayed though its client was
 * told it was not deferred. Claims, settles and reads throw {@link SharedStateUnavailableException}
 * (a replayer's claim or settle then fails, the lease ends and the entry is claimed again; a read
 * cannot tell "unknown id" from "Redis is down", so it does not answer empty). An entry that
 * cannot be decoded throws {@link IllegalStateException}.
 *
 * <p>Thread-safe: it holds no state of its own beyond the link.
 */
final class RedisDeferredQueue implements DeferredQueue {
  static final String FULL = "the deferred queue is full";
  static final String UNREACHABLE = "the deferred store cannot be reached";
  /** Settled entries kept at most, by default (as many as the other stores keep). */
  static final int DEFAULT_RETAINED = 1_000;
  /** Entries looked at in one call of a paged read. */
  static final int PAGE = 200;

  private static final LuaScript OFFER = LuaScript.load("deferred-offer.lua");
  private static final LuaScript CLAIM = LuaScript.load("deferred-claim.lua");
  private static final LuaScript SETTLE = LuaScript.load("deferred-settle.lua");
  private static final LuaScript DUE = LuaScript.load("deferred-due.lua");
  private static final LuaScript NEXT = LuaScript.load("deferred-next.lua");

  private final RedisLink link;
  private final int capacity;
  private final int retained;
  private final long retentionMillis;
  private final Ticker ticker;
  private final String entryPrefix;
  private final String due;
  private final String order;
  private final String settled;
  private final String seq;
  private final String log;

  /**
   * A queue of at most {@code capacity} unsettled entries whose settled ones stay findable for
   * {@code retention}, at most {@value #DEFAULT_RETAINED} of them.
   */
  RedisDeferredQueue(RedisLink link, int capacity, Duration retention, Ticker ticker) {
    this(link, capacity, DEFAULT_RETAINED, retention, ticker);
  }

  /**
   * A queue of at most {@code capacity} unsettled entries whose settled ones stay findable for
   * {@code retention}, the newest {@code retained} of them at most.
   */
  RedisDeferredQueue(RedisLink link, int capacity, int retained, Duration retention, Ticker ticker) {
    this.link = Objects.requireNonNull(link, "link must not be null");
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be positive, was " + capacity);
    }
    if (retained < 0) {
      throw new IllegalArgumentException("settled entries kept must not be negative, was " + retained);
    }
    Objects.requireNonNull(retention, "retention must not be null");
    if (retention.toMillis() < 1) {
      throw new IllegalArgumentException("retention must be at least 1 ms, was " + retention);
    }
    this.capacity = capacity;
    this.retained = retained;
    this.retentionMillis = retention.toMillis();
    this.ticker = Objects.requireNonNull(ticker, "ticker must not be null");
    String base = link.prefix() + ":deferred:{q}:";
    this.entryPrefix = base + "e:";
    this.due = base + "due";
    this.order = base + "order";
    this.settled = base + "settled";
    this.seq = base + "seq";
    this.log = base + "log";
  }

  /**
   * {@inheritDoc}
   *
   * @throws IllegalArgumentException if an entry with the same id is held
   */
  @Override
  public boolean offer(DeferredRequest request) {
    return offerOrRefusal(request).isEmpty();
  }

  /**
   * {@inheritDoc}
   *
   * <p>Refuses with {@value #FULL} or, when Redis does not take it in time, {@value #UNREACHABLE}.
   *
   * @throws IllegalArgumentException if an entry with the same id is held, or the request holds a
   *     pass-through value that is not a JSON value
   */
  @Override
  public Optional<String> offerOrRefusal(DeferredRequest request) {
    Objects.requireNonNull(request, "deferred request must not be null");
    String json = StateJson.write(request);
    String outcome;
    try {
      outcome = link.call(redis -> link.<String>eval(redis, OFFER, ScriptOutputType.VALUE,
          new String[] {entryKey(request.id()), due, order, settled, seq, log}, request.id(), json,
          Long.toString(request.deferredAtEpochMillis()), Integer.toString(capacity)));
    } catch (SharedStateUnavailableException e) {
      return Optional.of(UNREACHABLE);
    }
    return switch (outcome) {
      case "ok" -> Optional.empty();
      case "full" -> Optional.of(FULL);
      case "duplicate" -> throw new IllegalArgumentException("deferred id " + request.id()
          + " is already in the queue");
      default -> throw new IllegalStateException("the deferred offer script answered " + outcome);
    };
  }

  /**
   * {@inheritDoc}
   *
   * <p>When at most {@code max} entries are due, one script reads just those; when more are, scripts
   * walk the deferral order a page of {@value #PAGE} entries at a time until {@code max} are found,
   * so no call holds Redis up for long. Pages are read one after the other, not atomically: an
   * entry settled meanwhile may be listed, which its claim then refuses.
   */
  @Override
  public List<DeferredEntry> due(long nowEpochMillis, int max) {
    if (max < 0) {
      throw new IllegalArgumentException("max must not be negative, was " + max);
    }
    if (max == 0) {
      return List.of();
    }
    Map<String, DeferredEntry> found = new LinkedHashMap<>();
    String cursor = "";
    do {
      String from = cursor;
      int wanted = max - found.size();
      List<Object> reply = link.call(redis -> link.<List<Object>>eval(redis, DUE, ScriptOutputType.MULTI,
          new String[] {due, order}, Long.toString(nowEpochMillis), Integer.toString(wanted), from,
          Integer.toString(PAGE), entryPrefix));
      cursor = String.valueOf(reply.get(0));
      for (DeferredEntry entry : entries((List<?>) reply.get(1))) {
        if (found.size() < max) {
          found.putIfAbsent(entry.id(), entry);
        }
      }
    } while (!cursor.isEmpty() && found.size() < max);
    return new ArrayList<>(found.values());
  }

  @Override
  public Optional<DeferredEntry> claim(String id, long nowEpochMillis, long leaseUntilEpochMillis) {
    Objects.requireNonNull(id, "deferred id must not be null");
    List<Object> fields = link.call(redis -> link.<List<Object>>eval(redis, CLAIM, ScriptOutputType.MULTI,
        new String[] {entryKey(id), due}, id, Long.toString(nowEpochMillis), Long.toString(leaseUntilEpochMillis)));
    return fields == null || fields.isEmpty() ? Optional.empty() : Optional.of(entry(id, fields));
  }

  @Override
  public boolean markDelivered(String id, long claim, DeferredAnswer answer) {
    Objects.requireNonNull(answer, "answer must not be null");
    return settle(id, claim, "delivered", StateJson.write(answer), ticker.epochMillis());
  }

  @Override
  public boolean markFailed(String id, long claim, String reason, long nextAttemptAtEpochMillis) {
    return settle(id, claim, "failed", Objects.requireNonNullElse(reason, ""), nextAttemptAtEpochMillis);
  }

  @Override
  public boolean release(String id, long claim, String reason, long nextAttemptAtEpochMillis) {
    return settle(id, claim, "released", Objects.requireNonNullElse(reason, ""), nextAttemptAtEpochMillis);
  }

  @Override
  public boolean markDeadLettered(String id, long claim, String reason) {
    return settle(id, claim, "dead", Objects.requireNonNullElse(reason, ""), ticker.epochMillis());
  }

  @Override
  public Optional<DeferredEntry> find(String id) {
    Objects.requireNonNull(id, "deferred id must not be null");
    Map<String, String> fields = link.call(redis -> redis.hgetall(entryKey(id)));
    return fields == null || fields.isEmpty() ? Optional.empty() : Optional.of(entry(id, fields));
  }

  /**
   * {@inheritDoc} At most {@code capacity + retained} of them, read a page of {@value #PAGE} at a
   * time (each page a range of the order and one read per entry, not a script, so Redis serves
   * other clients in between); a listing, not a snapshot.
   */
  @Override
  public List<DeferredEntry> entries() {
    long limit = (long) capacity + retained;
    List<DeferredEntry> entries = new ArrayList<>();
    double after = Double.NEGATIVE_INFINITY;
    int read = 0;
    while (read < limit) {
      Range<Double> rest = Range.from(Range.Boundary.excluding(after), Range.Boundary.unbounded());
      Limit page = Limit.create(0, Math.min(PAGE, limit - read));
      List<ScoredValue<String>> ids = link.call(redis -> redis.zrangebyscoreWithScores(order, rest, page));
      if (ids.isEmpty()) {
        break;
      }
      read += ids.size();
      after = ids.get(ids.size() - 1).getScore();
      List<Map<String, String>> rows = link.call(redis -> {
        List<CompletableFuture<Map<String, String>>> reads = new ArrayList<>(ids.size());
        for (ScoredValue<String> id : ids) {
          reads.add(redis.hgetall(entryKey(id.getValue())).toCompletableFuture());
        }
        return CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new))
            .thenApply(done -> reads.stream().map(CompletableFuture::join).toList());
      });
      for (int i = 0; i < rows.size(); i++) {
        if (rows.get(i) != null && !rows.get(i).isEmpty()) {
          entries.add(entry(ids.get(i).getValue(), rows.get(i))); // an empty one has expired
        }
      }
      if (ids.size() < page.getCount()) {
        break;
      }
    }
    return entries;
  }

  @Override
  public int queued() {
    Long count = link.call(redis -> redis.zcard(due));
    return count == null ? 0 : (int) Math.min(Integer.MAX_VALUE, count);
  }

  /** One look at the head of the due set. */
  @Override
  public long nextDueAtEpochMillis() {
    String next = link.call(redis -> link.<String>eval(redis, NEXT, ScriptOutputType.VALUE, new String[] {due},
        entryPrefix));
    if (next == null) {
      return Long.MAX_VALUE;
    }
    try {
      return Long.parseLong(next);
    } catch (NumberFormatException e) {
      return (long) Double.parseDouble(next); // a score, for an entry whose hash is gone
    }
  }

  /** The most entries that may be unsettled at once. */
  int capacity() {
    return capacity;
  }

  /** The key of the entry {@code id}'s hash; for tests and operators. */
  String entryKey(String id) {
    return entryPrefix + id;
  }

  private boolean settle(String id, long claim, String outcome, String value, long at) {
    Objects.requireNonNull(id, "deferred id must not be null");
    Long settledNow = link.call(redis -> link.<Long>eval(redis, SETTLE, ScriptOutputType.INTEGER,
        new String[] {entryKey(id), due, order, settled, seq}, id, Long.toString(claim), outcome, value,
        Long.toString(at), Long.toString(retentionMillis), Integer.toString(retained), entryPrefix));
    return settledNow != null && settledNow == 1L;
  }

  private List<DeferredEntry> entries(List<?> rows) {
    if (rows == null) {
      return List.of();
    }
    List<DeferredEntry> entries = new ArrayList<>(rows.size());
    for (Object row : rows) {
      entries.add(entry(null, (List<?>) row));
    }
    return entries;
  }

  /** An entry from a script's HGETALL reply: field, value, field, value... */
  private DeferredEntry entry(String id, List<?> flat) {
    Map<String, String> fields = new HashMap<>();
    for (int i = 0; i + 1 < flat.size(); i += 2) {
      fields.put(String.valueOf(flat.get(i)), String.valueOf(flat.get(i + 1)));
    }
    return entry(id, fields);
  }

  private DeferredEntry entry(String id, Map<String, String> fields) {
    try {
      String answer = fields.get("answer");
      return new DeferredEntry(StateJson.readRequest(fields.get("request")), DeferredState.valueOf(fields.get("state")),
          Integer.parseInt(fields.get("replays")), Long.parseLong(fields.get("next")), fields.get("reason"),
          Long.parseLong(fields.get("claim")), Long.parseLong(fields.get("lease")),
          answer == null ? null : StateJson.readAnswer(answer));
    } catch (IOException | RuntimeException e) {
      String which = id != null ? id : fields.getOrDefault("seq", "?") + " in deferral order";
      throw new IllegalStateException(link.describe() + " holds deferred entry " + which
          + " that cannot be read (" + RedisLink.oneLine(e) + "); delete its key " + entryPrefix + "<id> to drop it",
          e);
    }
  }
}
