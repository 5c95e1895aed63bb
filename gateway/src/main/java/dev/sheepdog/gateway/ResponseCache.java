package dev.sheepdog.gateway;

import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.sheepdog.core.RoutedResponse;
import dev.sheepdog.spi.ChatMessage;
import dev.sheepdog.spi.ChatRequest;
import dev.sheepdog.spi.RouteHints;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/**
 * Exact-match answers of deterministic requests, in Caffeine: keyed by a SHA-256 of the canonical
 * request (route, routing hints, messages and every generation field, object members in sorted
 * order; {@code stream} and {@code stream_options} left out, so a stream is served what a JSON
 * request fetched) and, unless the cache is shared, the client's key hash; bounded by the encoded
 * size of the answers (Caffeine's weigher) and by a time to live.
 *
 * <p>Concurrent identical misses share one upstream call: the cache holds the call's future from
 * its start, and every request for the key waits on it. A failed call is not kept.
 */
final class ResponseCache {
  /** The request header that asks for the cache ({@code on}), bypasses it ({@code off}) or renews an entry ({@code refresh}). */
  static final String HEADER = "X-Sheepdog-Cache";
  /** An entry's weight besides its body: the key, the answer's objects. */
  private static final int ENTRY_OVERHEAD = 512;
  private static final List<String> NOT_IN_KEY = List.of("stream", "stream_options");

  /** What a request asks of the cache through {@link #HEADER}. */
  enum Mode {
    /** The route's default: cached at temperature 0 on a route that caches. */
    DEFAULT,
    ON,
    OFF,
    REFRESH;

    /** The mode a header's value asks for; {@code null} for a value that is none of {@code on}, {@code off}, {@code refresh}. */
    static Mode of(String header) {
      if (header == null) {
        return DEFAULT;
      }
      return switch (header.strip().toLowerCase(Locale.ROOT)) {
        case "on" -> ON;
        case "off" -> OFF;
        case "refresh" -> REFRESH;
        default -> null;
      };
    }
  }

  /** A cached answer and its JSON body as first sent. */
  record Entry(RoutedResponse answer, byte[] body) {
    int weight() {
      return body.length + ENTRY_OVERHEAD;
    }
  }

  /** What a lookup found: the entry's future, and whether this request is the one that fetches it. */
  record Lookup(CompletableFuture<Entry> entry, boolean fetching) {}

  private final CacheSettings settings;
  private final AsyncCache<Key, Entry> cache;
  private final LongAdder hits = new LongAdder();
  private final LongAdder misses = new LongAdder();
  private final LongAdder evictions = new LongAdder();

  ResponseCache(CacheSettings settings) {
    this(settings, Ticker.systemTicker());
  }

  /** With the clock the time to live is counted on. */
  ResponseCache(CacheSettings settings, Ticker ticker) {
    this.settings = settings;
    this.cache = Caffeine.newBuilder()
        .ticker(ticker)
        .maximumWeight(settings.maxBytes())
        .<Key, Entry>weigher((key, entry) -> entry.weight())
        .expireAfterWrite(settings.ttl())
        .removalListener((Key key, Entry entry, RemovalCause cause) -> {
          if (cause.wasEvicted()) {
            evictions.increment();
          }
        })
        .buildAsync();
  }

  /** A cache, or {@code null} when {@code settings} has none. */
  static ResponseCache of(CacheSettings settings) {
    return settings.enabled() ? new ResponseCache(settings) : null;
  }

  /**
   * The key of a request that is to be cached, or {@code null} when it is not: {@code off}, or by
   * default a route that does not cache or a temperature other than 0.
   */
  Key keyOf(String route, RouteHints hints, ChatRequest request, Mode mode) {
    boolean wanted = switch (mode) {
      case OFF -> false;
      case ON, REFRESH -> true;
      case DEFAULT -> settings.cachesRoute(route) && request.temperature() != null && request.temperature() == 0;
    };
    return wanted ? key(route, hints, request) : null;
  }

  /**
   * The entry for {@code key}: the cached one (a hit, perhaps still being fetched for another
   * request), or a new one fetched with {@code fetch} (a miss, or a refresh).
   */
  Lookup lookup(Key key, Mode mode, Supplier<CompletableFuture<RoutedResponse>> fetch) {
    if (mode == Mode.REFRESH) {
      CompletableFuture<Entry> fetched = fetch.get().thenApply(ResponseCache::entryOf);
      cache.put(key, fetched);
      misses.increment();
      return new Lookup(fetched, true);
    }
    AtomicBoolean fetching = new AtomicBoolean();
    CompletableFuture<Entry> entry = cache.get(key, (k, executor) -> {
      fetching.set(true);
      return fetch.get().thenApply(ResponseCache::entryOf);
    });
    (fetching.get() ? misses : hits).increment();
    return new Lookup(entry, fetching.get());
  }

  /** The entry of {@code key} if it is cached and fetched, or {@code null}: a stream is served only a finished answer. */
  Entry cached(Key key) {
    CompletableFuture<Entry> entry = cache.getIfPresent(key);
    if (entry != null && entry.isDone() && !entry.isCompletedExceptionally()) {
      hits.increment();
      return entry.join();
    }
    misses.increment();
    return null;
  }

  long hits() {
    return hits.sum();
  }

  long misses() {
    return misses.sum();
  }

  long evictions() {
    return evictions.sum();
  }

  /** What the fetched answers weigh together, in bytes. */
  long bytes() {
    return cache.synchronous().policy().eviction().map(e -> e.weightedSize().orElse(0)).orElse(0L);
  }

  long entries() {
    return cache.synchronous().estimatedSize();
  }

  private static Entry entryOf(RoutedResponse answer) {
    return new Entry(answer, ChatCompletions.answerBytes(answer, System.currentTimeMillis() / 1000));
  }

  /** A request's key: the SHA-256 of its canonical form, as four longs. */
  record Key(long a, long b, long c, long d) {}

  private Key key(String route, RouteHints hints, ChatRequest request) {
    Canonical out = CANONICAL.get();
    out.reset();
    out.string(route);
    out.string(hints.task().name());
    out.string(hints.priority().name());
    out.string(hints.maxCost() == null ? "" : hints.maxCost().toUsdString());
    out.count('p', hints.pinned().size());
    for (var model : hints.pinned()) {
      out.string(model.value());
    }
    List<String> tags = new ArrayList<>(hints.tags().size());
    for (String tag : hints.tags()) {
      if (!settings.shared() || !tag.startsWith(GatewayServer.CLIENT_TAG_PREFIX)) {
        tags.add(tag);
      }
    }
    tags.sort(null);
    out.value(tags);
    out.count('m', request.messages().size());
    for (ChatMessage message : request.messages()) {
      out.string(message.role());
      out.value(message.content());
      out.value(message.fields());
    }
    out.value(request.temperature());
    out.value(request.maxTokens());
    int fields = request.extensions().size();
    for (String skipped : NOT_IN_KEY) {
      fields -= request.extensions().containsKey(skipped) ? 1 : 0;
    }
    out.count('f', fields);
    out.members(request.extensions(), NOT_IN_KEY);
    return out.digest();
  }

  private static final ThreadLocal<Canonical> CANONICAL = ThreadLocal.withInitial(Canonical::new);

  /**
   * A request's values fed to SHA-256 in a form that tells any two apart: every string, list and
   * object prefixed by its type and length, object members in sorted order. Not JSON, and never
   * kept: only its digest is.
   */
  private static final class Canonical {
    private final MessageDigest sha;
    private final byte[] buffer = new byte[2048];
    private int size;

    Canonical() {
      try {
        sha = MessageDigest.getInstance("SHA-256");
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException("SHA-256 is part of every JVM", e);
      }
    }

    void reset() {
      sha.reset();
      size = 0;
    }

    Key digest() {
      flush();
      byte[] hash = sha.digest();
      java.nio.ByteBuffer longs = java.nio.ByteBuffer.wrap(hash);
      return new Key(longs.getLong(), longs.getLong(), longs.getLong(), longs.getLong());
    }

    void count(char type, int count) {
      put((byte) type);
      putInt(count);
    }

    void string(String text) {
      count('s', text.length());
      for (int i = 0; i < text.length(); i++) {
        char c = text.charAt(i);
        if (size + 2 > buffer.length) {
          flush();
        }
        buffer[size++] = (byte) (c >>> 8);
        buffer[size++] = (byte) c;
      }
    }

    void value(Object value) {
      if (value instanceof String text) {
        string(text);
      } else if (value instanceof Map<?, ?> map) {
        count('o', map.size());
        members(map, List.of());
      } else if (value instanceof List<?> list) {
        count('l', list.size());
        for (Object item : list) {
          value(item);
        }
      } else if (value instanceof Boolean flag) {
        put((byte) (flag ? 'T' : 'F'));
      } else if (value == null) {
        put((byte) 'z');
      } else {
        // numbers, and anything else a decoded request might hold, by their text
        put((byte) 'n');
        string(String.valueOf(value));
      }
    }

    /** The members of {@code map} but {@code skipped}, in sorted order. */
    void members(Map<?, ?> map, List<String> skipped) {
      if (map.isEmpty()) {
        return;
      }
      Object[] names = map.keySet().toArray();
      if (names.length > 1) {
        java.util.Arrays.sort(names, (x, y) -> String.valueOf(x).compareTo(String.valueOf(y)));
      }
      for (Object name : names) {
        if (skipped.contains(name)) {
          continue;
        }
        string(String.valueOf(name));
        value(map.get(name));
      }
    }

    private void putInt(int value) {
      if (size + 4 > buffer.length) {
        flush();
      }
      buffer[size++] = (byte) (value >>> 24);
      buffer[size++] = (byte) (value >>> 16);
      buffer[size++] = (byte) (value >>> 8);
      buffer[size++] = (byte) value;
    }

    private void put(byte b) {
      if (size == buffer.length) {
        flush();
      }
      buffer[size++] = b;
    }

    private void flush() {
      sha.update(buffer, 0, size);
      size = 0;
    }
  }
}
