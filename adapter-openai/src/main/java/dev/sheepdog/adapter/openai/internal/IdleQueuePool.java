package dev.sheepdog.adapter.openai.internal;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.ToIntFunction;
import java.util.stream.Stream;
import org.eclipse.jetty.util.AtomicBiInteger;
import org.eclipse.jetty.util.Pool;

/**
 * A {@link Pool} whose {@link #acquire()} costs the same with ten entries or ten thousand.
 *
 * <p>Jetty's {@code ConcurrentPool} finds an entry to acquire by walking its list, which suits the
 * few dozen connections a browser-facing client keeps; an LLM gateway holds thousands of upstream
 * calls in flight, each on its own HTTP/1.1 connection, and the walk over busy connections became
 * the gateway's largest CPU cost (the load test at 4,000 streams: half of all samples). Here the
 * entries that can take another use wait in a deque, most recently released first (so hot
 * connections are reused and idle ones age out), and an acquire polls it.
 *
 * <p><b>Entry states</b> follow Jetty's own pool exactly, so the connection pool built on it sees
 * the same answers: the low half of an {@link AtomicBiInteger} counts uses ({@code -1} reserved,
 * {@code 0} idle, more in use), the high half is {@code 0} while the entry is live, {@code -1} once
 * it is terminated or being removed, {@code -2} once removed.
 *
 * <p><b>Concurrency.</b> An entry is in the deque at most once ({@code queued}). Whoever frees
 * capacity (enable, release) offers the entry unless it is queued; an acquire that polls it clears
 * {@code queued} before trying it, so a release racing a failed try re-offers it, and no entry with
 * spare capacity is ever left out. Entries that are terminated or full are simply dropped when
 * polled. The set of all entries serves only counts, dumps and termination.
 */
public final class IdleQueuePool<P> implements Pool<P> {
  private final int maxSize;
  private final ToIntFunction<P> maxMultiplex;
  private final Set<QueuedEntry> entries = ConcurrentHashMap.newKeySet();
  private final AtomicInteger size = new AtomicInteger();
  private final ConcurrentLinkedDeque<QueuedEntry> available = new ConcurrentLinkedDeque<>();
  private volatile boolean terminated;

  /** At most {@code maxSize} entries, each taking at most {@code maxMultiplex} uses at once (0: no limit). */
  public IdleQueuePool(int maxSize, ToIntFunction<P> maxMultiplex) {
    this.maxSize = maxSize;
    this.maxMultiplex = Objects.requireNonNull(maxMultiplex, "maxMultiplex");
  }

  @Override
  public Entry<P> reserve() {
    while (true) {
      int current = size.get();
      if (terminated || current >= maxSize) {
        return null;
      }
      if (size.compareAndSet(current, current + 1)) {
        QueuedEntry entry = new QueuedEntry();
        entries.add(entry);
        if (terminated) {
          // terminate() may have taken its copy before this entry was added
          entry.tryTerminate();
          forget(entry);
          return null;
        }
        return entry;
      }
    }
  }

  @Override
  public Entry<P> acquire() {
    if (terminated) {
      return null;
    }
    QueuedEntry entry;
    while ((entry = available.pollFirst()) != null) {
      entry.queued.set(false);
      if (entry.tryAcquire()) {
        if (entry.hasCapacity()) {
          offer(entry);
        }
        return entry;
      }
    }
    return null;
  }

  private void offer(QueuedEntry entry) {
    if (!terminated && entry.queued.compareAndSet(false, true)) {
      available.offerFirst(entry);
    }
  }

  private void forget(QueuedEntry entry) {
    if (entries.remove(entry)) {
      size.decrementAndGet();
    }
  }

  @Override
  public boolean isTerminated() {
    return terminated;
  }

  @Override
  public Collection<Entry<P>> terminate() {
    terminated = true;
    List<Entry<P>> copy = new ArrayList<>(entries);
    entries.clear();
    size.set(0);
    available.clear();
    for (Entry<P> entry : copy) {
      ((QueuedEntry) entry).tryTerminate();
    }
    return copy;
  }

  @Override
  public int size() {
    return size.get();
  }

  @Override
  public int getMaxSize() {
    return maxSize;
  }

  @Override
  public Stream<Entry<P>> stream() {
    return entries.stream().map(entry -> entry);
  }

  @Override
  public String toString() {
    return "IdleQueuePool{size=" + size() + "/" + maxSize + ",available=" + available.size()
        + ",terminated=" + terminated + "}";
  }

  private final class QueuedEntry implements Entry<P> {
    /** High: 0 live, -1 terminated or being removed, -2 removed. Low: -1 reserved, 0 idle, uses. */
    private final AtomicBiInteger state = new AtomicBiInteger(0, -1);
    final AtomicBoolean queued = new AtomicBoolean();
    private volatile P pooled;

    @Override
    public boolean enable(P pooled, boolean acquire) {
      Objects.requireNonNull(pooled);
      if (!isReserved()) {
        if (isTerminated()) {
          return false;
        }
        throw new IllegalStateException("entry already enabled: " + this);
      }
      this.pooled = pooled;
      if (state.compareAndSet(0, 0, -1, acquire ? 1 : 0)) {
        if (hasCapacity()) {
          offer(this);
        }
        return true;
      }
      this.pooled = null;
      if (isTerminated()) {
        return false;
      }
      throw new IllegalStateException("entry already enabled: " + this);
    }

    @Override
    public P getPooled() {
      return pooled;
    }

    boolean tryAcquire() {
      while (true) {
        long encoded = state.get();
        if (AtomicBiInteger.getHi(encoded) < 0) {
          return false;
        }
        int uses = AtomicBiInteger.getLo(encoded);
        if (uses < 0) {
          return false;
        }
        int max = maxMultiplex.applyAsInt(pooled);
        if (max > 0 && uses >= max) {
          return false;
        }
        if (uses + 1 < 0) {
          return false;
        }
        if (state.compareAndSet(encoded, 0, uses + 1)) {
          return true;
        }
      }
    }

    boolean hasCapacity() {
      long encoded = state.get();
      int uses = AtomicBiInteger.getLo(encoded);
      int max = maxMultiplex.applyAsInt(pooled);
      return AtomicBiInteger.getHi(encoded) == 0 && uses >= 0 && (max <= 0 || uses < max);
    }

    @Override
    public boolean release() {
      while (true) {
        long encoded = state.get();
        if (AtomicBiInteger.getHi(encoded) < 0) {
          return false;
        }
        int uses = AtomicBiInteger.getLo(encoded);
        if (uses <= 0) {
          return false;
        }
        if (state.compareAndSet(encoded, 0, uses - 1)) {
          offer(this);
          return true;
        }
      }
    }

    @Override
    public boolean remove() {
      while (true) {
        long encoded = state.get();
        int removed = AtomicBiInteger.getHi(encoded);
        int uses = AtomicBiInteger.getLo(encoded);
        if (removed == -2) {
          return false;
        }
        int newUses = uses <= 0 ? uses : uses - 1;
        boolean gone = newUses <= 0;
        if (state.compareAndSet(encoded, gone ? -2 : -1, newUses)) {
          if (gone) {
            forget(this);
          }
          return gone;
        }
      }
    }

    boolean tryTerminate() {
      while (true) {
        long encoded = state.get();
        if (AtomicBiInteger.getHi(encoded) < 0) {
          return false;
        }
        int uses = AtomicBiInteger.getLo(encoded);
        if (state.compareAndSet(encoded, -1, uses)) {
          return uses <= 0;
        }
      }
    }

    @Override
    public boolean isReserved() {
      return state.getLo() < 0;
    }

    @Override
    public boolean isIdle() {
      return state.getLo() == 0;
    }

    @Override
    public boolean isInUse() {
      return state.getLo() > 0;
    }

    @Override
    public boolean isTerminated() {
      return state.getHi() < 0;
    }

    @Override
    public String toString() {
      long encoded = state.get();
      return "QueuedEntry{terminated=" + (AtomicBiInteger.getHi(encoded) < 0) + ",uses=" + AtomicBiInteger.getLo(encoded)
          + ",pooled=" + pooled + "}";
    }
  }
}
