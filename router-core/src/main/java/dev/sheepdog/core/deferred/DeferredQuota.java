package dev.sheepdog.core.deferred;

import dev.sheepdog.spi.ChatMessage;
import dev.sheepdog.spi.DeferredAnswer;
import dev.sheepdog.spi.DeferredEntry;
import dev.sheepdog.spi.DeferredQueue;
import dev.sheepdog.spi.DeferredRequest;
import dev.sheepdog.spi.ModelId;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * A {@link DeferredQueue} that caps what each owner may keep {@code QUEUED}: a number of entries
 * and their {@linkplain #approximateBytes approximate size}, so that one client cannot fill the
 * queue (or the heap) that every client shares. Everything else is delegated unchanged.
 *
 * <pre>{@code
 * DeferredQueue queue = DeferredQuota.builder(new InMemoryDeferredQueue())
 *     .owner(DeferredQuota.ownerByTag("client:"))
 *     .maxQueuedPerOwner(20)
 *     .maxBytesPerOwner(8 << 20)
 *     .build();
 * }</pre>
 *
 * <p>The owner of a request is whatever the owner function says; requests it gives no owner for
 * ({@code null}) share the bucket {@link #NO_OWNER}. When an owner is at a cap, {@link #offer}
 * returns {@code false} and {@link #offerOrRefusal} says that the client's quota is reached, so the
 * router tells the caller the request was not deferred. An entry counts from the moment it is
 * offered until it is settled for good through {@link #markDelivered} or {@link
 * #markDeadLettered}; entries the delegate already holds unsettled when the quota is built
 * (a durable store after a restart) are counted from the start, even above the caps. Give this
 * decorator, not its delegate, to the router and to whatever marks entries: marks made on the
 * delegate directly are not seen, and their entries would stay counted.
 *
 * <p><b>Concurrency.</b> One monitor guards the per-owner tallies and the charge of each queued id.
 * It is held only for bookkeeping, never while the delegate runs (a durable store may do I/O), and
 * the size estimate is computed before it is taken. An offer reserves its charge under the monitor
 * (check and add in one critical section, so concurrent offers of one owner never exceed a cap),
 * then offers to the delegate, and gives the charge back if the delegate refuses or throws. Under a
 * race a reservation that is later given back may make another offer of the same owner fail, so
 * the quota may refuse slightly more than it must, never admit more. The charge is recorded before
 * the delegate sees the entry, so a replay that delivers it before {@code offer} returns still
 * frees it. Marks free the charge after the delegate accepted the mark, so a mark the delegate
 * rejects (a stale claim, an entry already terminal) leaves the tallies as they were.
 *
 * <p><b>A shared queue.</b> On a queue several instances share, each instance's quota counts the
 * offers it made; an entry another instance delivered is freed here when the owner next reaches a
 * cap, after asking the queue about that owner's entries; an id whose offer has not returned yet is
 * not asked about, since the delegate may not hold it yet.
 */
public final class DeferredQuota extends ForwardingDeferredQueue {
  /** The bucket of requests the owner function gives no owner for. */
  public static final String NO_OWNER = "";

  /** The most values {@link #approximateBytes} visits before it calls a request too large. */
  static final int MAX_VISITED_VALUES = 1 << 20;

  private static final long UNLIMITED = Long.MAX_VALUE;

  private final Function<DeferredRequest, String> ownerFunction;
  private final long maxQueued;
  private final long maxBytes;
  private final Map<String, Tally> tallies = new HashMap<>();
  private final Map<String, Charge> charges = new HashMap<>();
  /** Ids reserved whose offer to the delegate has not returned: the delegate may not know them yet. */
  private final Set<String> offering = new HashSet<>();

  private DeferredQuota(Builder b) {
    super(b.delegate);
    this.ownerFunction = b.owner != null ? b.owner : request -> NO_OWNER;
    this.maxQueued = b.maxQueued;
    this.maxBytes = b.maxBytes;
    List<DeferredEntry> held;
    try {
      held = delegate().entries();
    } catch (RuntimeException e) {
      // a shared store that cannot be reached now: entries are counted from their offers on
      held = List.of();
    }
    for (DeferredEntry entry : held) {
      if (!entry.state().isTerminal() && !charges.containsKey(entry.id())) {
        Charge charge = new Charge(ownerOf(entry.request()), bytesOf(entry.request()));
        charges.put(entry.id(), charge);
        tallies.computeIfAbsent(charge.owner, o -> new Tally()).add(charge);
      }
    }
  }

  /**
   * Frees the charges of {@code owner}'s entries that were settled without this quota seeing it
   * (another instance delivered them from a shared store) or are gone; how many were freed. Runs
   * only when the owner is at a cap, and asks the delegate about at most that owner's charged ids.
   */
  private int settledElsewhere(String owner) {
    List<String> ids;
    synchronized (this) {
      ids = new ArrayList<>();
      charges.forEach((id, charge) -> {
        if (charge.owner.equals(owner) && !offering.contains(id)) {
          ids.add(id);
        }
      });
    }
    int freed = 0;
    for (String id : ids) {
      Optional<DeferredEntry> entry;
      try {
        entry = delegate().find(id);
      } catch (RuntimeException e) {
        return freed;
      }
      if (entry.isEmpty() || entry.get().state().isTerminal()) {
        free(id);
        freed++;
      }
    }
    return freed;
  }

  /** A quota around {@code queue}; give at least one cap. */
  public static Builder builder(DeferredQueue queue) {
    return new Builder(queue);
  }

  /**
   * Owners from the requests' tags: the least tag, in string order, that starts with {@code
   * prefix} (such as {@code "client:"}), or none. The least rather than the first because tags are
   * a set without a stable order.
   */
  public static Function<DeferredRequest, String> ownerByTag(String prefix) {
    Objects.requireNonNull(prefix, "prefix must not be null");
    return request -> {
      String owner = null;
      for (String tag : request.hints().tags()) {
        if (tag.startsWith(prefix) && (owner == null || tag.compareTo(owner) < 0)) {
          owner = tag;
        }
      }
      return owner;
    };
  }

  @Override
  public boolean offer(DeferredRequest request) {
    return offerOrRefusal(request).isEmpty();
  }

  /**
   * {@inheritDoc}
   *
   * @throws IllegalArgumentException if an entry with the same id is still queued
   */
  @Override
  public Optional<String> offerOrRefusal(DeferredRequest request) {
    Objects.requireNonNull(request, "deferred request must not be null");
    Charge charge = new Charge(ownerOf(request), bytesOf(request));
    String refusal = reserve(request.id(), charge);
    if (refusal != null && settledElsewhere(charge.owner) > 0) {
      refusal = reserve(request.id(), charge);
    }
    if (refusal != null) {
      return Optional.of(refusal);
    }
    Optional<String> delegated = Optional.of("the deferred queue failed");
    try {
      delegated = delegate().offerOrRefusal(request);
      return delegated;
    } finally {
      offered(request.id(), delegated.isEmpty());
    }
  }

  @Override
  public boolean markDelivered(String id, long claim, DeferredAnswer answer) {
    return freedIf(super.markDelivered(id, claim, answer), id);
  }

  @Override
  public boolean markDeadLettered(String id, long claim, String reason) {
    return freedIf(super.markDeadLettered(id, claim, reason), id);
  }

  private boolean freedIf(boolean settled, String id) {
    if (settled) {
      free(id);
    }
    return settled;
  }

  /** How many of {@code owner}'s entries are queued; {@link #NO_OWNER} for requests without one. */
  public synchronized int queuedOf(String owner) {
    Tally tally = tallies.get(owner);
    return tally == null ? 0 : (int) tally.count;
  }

  /** The approximate bytes of {@code owner}'s queued entries. */
  public synchronized long bytesOf(String owner) {
    Tally tally = tallies.get(owner);
    return tally == null ? 0 : tally.bytes;
  }

  /**
   * About how much heap a deferred request holds, in bytes: two bytes per UTF-16 char of every
   * string in it (message texts and roles, pass-through keys and string values, tags, the hints'
   * attributes, ids, the failure reason) plus 16 bytes for every other value (a message, a map entry, a list element, a
   * boolean, a plain number). A {@link BigInteger} or {@link BigDecimal} counts its magnitude's
   * bytes; another {@link Number} (such as a JSON reader's literal kept as text) counts its text.
   * Pass-through values are walked once, without recursion; past {@value #MAX_VISITED_VALUES}
   * values the walk stops and the request counts as {@link Long#MAX_VALUE}, above any cap, so a
   * cyclic or absurdly large structure costs a bounded walk. An estimate for quotas, not a measure
   * of memory: object headers and the JVM's compact strings are ignored.
   */
  public static long approximateBytes(DeferredRequest request) {
    Objects.requireNonNull(request, "deferred request must not be null");
    ArrayDeque<Object> pending = new ArrayDeque<>();
    long bytes = chars(request.id()) + chars(request.idempotencyKey()) + chars(request.reason())
        + chars(request.hints().requestId()) + 16L * 4;
    for (String tag : request.hints().tags()) {
      bytes += chars(tag) + 16;
    }
    for (ModelId model : request.hints().pinned()) {
      bytes += chars(model.value()) + 16;
    }
    for (Map.Entry<String, String> attribute : request.hints().attributes().entrySet()) {
      bytes += chars(attribute.getKey()) + chars(attribute.getValue()) + 16;
    }
    for (ChatMessage message : request.request().messages()) {
      bytes += 16 + chars(message.role()) + chars(message.content());
      pending.push(message.fields());
    }
    pending.push(request.request().extensions());
    int visited = 0;
    while (!pending.isEmpty()) {
      if (++visited > MAX_VISITED_VALUES) {
        return Long.MAX_VALUE;
      }
      Object value = pending.pop();
      if (value instanceof String s) {
        bytes += chars(s);
      } else if (value instanceof Map<?, ?> map) {
        for (Map.Entry<?, ?> e : map.entrySet()) {
          bytes += 16;
          pushNonNull(pending, e.getKey());
          pushNonNull(pending, e.getValue());
        }
      } else if (value instanceof Collection<?> values) {
        for (Object element : values) {
          bytes += 16;
          pushNonNull(pending, element);
        }
      } else if (value instanceof Object[] values) {
        for (Object element : values) {
          bytes += 16;
          pushNonNull(pending, element);
        }
      } else if (value instanceof Number number) {
        bytes += numberBytes(number);
      } else {
        bytes += 16;
      }
    }
    return bytes;
  }

  private static void pushNonNull(ArrayDeque<Object> pending, Object value) {
    // ArrayDeque refuses null; a null counts as the 16 bytes of its entry or element
    if (value != null) {
      pending.push(value);
    }
  }

  private static long chars(String s) {
    return s == null ? 0 : 2L * s.length();
  }

  private static long numberBytes(Number number) {
    if (number instanceof Integer || number instanceof Long || number instanceof Double || number instanceof Float
        || number instanceof Short || number instanceof Byte) {
      return 16;
    }
    if (number instanceof BigInteger big) {
      return 16 + big.bitLength() / 8;
    }
    if (number instanceof BigDecimal big) {
      return 16 + big.unscaledValue().bitLength() / 8;
    }
    return 16 + chars(number.toString());
  }

  private String ownerOf(DeferredRequest request) {
    String owner = ownerFunction.apply(request);
    return owner == null ? NO_OWNER : owner;
  }

  /** The estimate, or 0 when no byte cap needs it. */
  private long bytesOf(DeferredRequest request) {
    return maxBytes == UNLIMITED ? 0 : approximateBytes(request);
  }

  /** Reserves the charge of a request about to be offered; returns the refusal, or null. */
  private synchronized String reserve(String id, Charge charge) {
    if (charges.containsKey(id)) {
      throw new IllegalArgumentException("deferred id " + id + " is already queued");
    }
    if (charge.bytes > maxBytes) {
      return "the request is larger than a client's quota of deferred requests (" + maxBytes + " bytes)";
    }
    Tally tally = tallies.get(charge.owner);
    if (tally != null) {
      if (tally.count >= maxQueued) {
        return "this client's quota of deferred requests is reached (" + maxQueued + " queued)";
      }
      if (tally.bytes > maxBytes - charge.bytes) {
        return "this client's quota of deferred requests is reached (" + maxBytes + " bytes queued)";
      }
    } else {
      tally = new Tally();
      tallies.put(charge.owner, tally);
    }
    tally.add(charge);
    charges.put(id, charge);
    offering.add(id);
    return null;
  }

  /** Ends the offer of a reserved id: it may now be examined; its charge is given back if not taken. */
  private synchronized void offered(String id, boolean taken) {
    offering.remove(id);
    if (!taken) {
      free(id);
    }
  }

  /** Gives back the charge of an entry that left QUEUED or was never taken. */
  private synchronized void free(String id) {
    Charge charge = charges.remove(id);
    if (charge == null) {
      return;
    }
    Tally tally = tallies.get(charge.owner);
    tally.count--;
    tally.bytes -= charge.bytes;
    if (tally.count == 0) {
      tallies.remove(charge.owner);
    }
  }

  /** What one queued entry counts against its owner. */
  private record Charge(String owner, long bytes) {}

  /** An owner's queued entries and their bytes; guarded by the quota's monitor. */
  private static final class Tally {
    long count;
    long bytes;

    void add(Charge charge) {
      count++;
      bytes = bytes > Long.MAX_VALUE - charge.bytes ? Long.MAX_VALUE : bytes + charge.bytes;
    }
  }

  /** Builds a {@link DeferredQuota}. Not thread-safe; each setting may be given once. */
  public static final class Builder {
    private final DeferredQueue delegate;
    private Function<DeferredRequest, String> owner;
    private long maxQueued = UNLIMITED;
    private long maxBytes = UNLIMITED;

    private Builder(DeferredQueue delegate) {
      this.delegate = Objects.requireNonNull(delegate, "deferred queue must not be null");
    }

    /** Who owns a request; by default every request shares one bucket. */
    public Builder owner(Function<DeferredRequest, String> owner) {
      if (this.owner != null) {
        throw new IllegalStateException("owner is given twice");
      }
      this.owner = Objects.requireNonNull(owner, "owner must not be null");
      return this;
    }

    /** The most entries one owner may keep queued. */
    public Builder maxQueuedPerOwner(int max) {
      if (maxQueued != UNLIMITED) {
        throw new IllegalStateException("maxQueuedPerOwner is given twice");
      }
      if (max < 1) {
        throw new IllegalArgumentException("maxQueuedPerOwner must be positive, was " + max);
      }
      this.maxQueued = max;
      return this;
    }

    /** The most {@linkplain #approximateBytes approximate bytes} one owner's queued entries may hold. */
    public Builder maxBytesPerOwner(long max) {
      if (maxBytes != UNLIMITED) {
        throw new IllegalStateException("maxBytesPerOwner is given twice");
      }
      if (max < 1 || max == UNLIMITED) {
        throw new IllegalArgumentException("maxBytesPerOwner must be positive and finite, was " + max);
      }
      this.maxBytes = max;
      return this;
    }

    public DeferredQuota build() {
      if (maxQueued == UNLIMITED && maxBytes == UNLIMITED) {
        throw new IllegalStateException("a deferred quota needs maxQueuedPerOwner or maxBytesPerOwner");
      }
      return new DeferredQuota(this);
    }
  }
}
