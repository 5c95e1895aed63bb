package dev.sheepdog.gateway;

import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import com.github.benmanes.caffeine.cache.Ticker;
import com.squareup.moshi.JsonWriter;
import dev.sheepdog.core.RoutedResponse;
import dev.sheepdog.spi.ChatMessage;
import dev.sheepdog.spi.ChatRequest;
import dev.sheepdog.spi.RouteHints;
import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/**
 * Exact-match answers of deterministic requests, in Caffeine: keyed by a SHA-256 of the canonical
 * request (route, routing hints, messages and every generation field, JSON members in sorted
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
  private final AsyncCache<String, Entry> cache;
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
        .<String, Entry>weigher((key, entry) -> entry.weight())
        .expireAfterWrite(settings.ttl())
        .removalListener((String key, Entry entry, RemovalCause cause) -> {
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
  String keyOf(String route, RouteHints hints, ChatRequest request, Mode mode) {
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
  Lookup lookup(String key, Mode mode, Supplier<CompletableFuture<RoutedResponse>> fetch) {
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
  Entry cached(String key) {
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
    return new Entry(answer, OpenAiWire.encodeResponse(answer, System.currentTimeMillis() / 1000));
  }

  private String key(String route, RouteHints hints, ChatRequest request) {
    List<String> tags = new ArrayList<>();
    for (String tag : hints.tags()) {
      if (!settings.shared() || !tag.startsWith(GatewayServer.CLIENT_TAG_PREFIX)) {
        tags.add(tag);
      }
    }
    tags.sort(null);
    byte[] canonical = Json.writeBytes(writer -> {
      writer.beginObject();
      writer.name("route").value(route);
      writer.name("task").value(hints.task().name());
      writer.name("priority").value(hints.priority().name());
      writer.name("max_cost").value(hints.maxCost() == null ? null : hints.maxCost().toUsdString());
      writer.name("pinned").beginArray();
      for (var model : hints.pinned()) {
        writer.value(model.value());
      }
      writer.endArray();
      writer.name("tags").beginArray();
      for (String tag : tags) {
        writer.value(tag);
      }
      writer.endArray();
      writer.name("messages").beginArray();
      for (ChatMessage message : request.messages()) {
        Map<String, Object> fields = new TreeMap<>(message.fields());
        fields.put("role", message.role());
        fields.putIfAbsent("content", message.content());
        canonical(writer, fields);
      }
      writer.endArray();
      writer.name("temperature").value(request.temperature());
      writer.name("max_tokens").value(request.maxTokens());
      Map<String, Object> rest = new TreeMap<>(request.extensions());
      NOT_IN_KEY.forEach(rest::remove);
      writer.name("fields");
      canonical(writer, rest);
      writer.endObject();
    });
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(canonical));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JVM", e);
    }
  }

  /** {@code value} with the members of every object in sorted order. */
  private static void canonical(JsonWriter writer, Object value) throws IOException {
    if (value instanceof Map<?, ?> map) {
      writer.beginObject();
      Map<String, Object> sorted = new TreeMap<>();
      map.forEach((k, v) -> sorted.put(String.valueOf(k), v));
      for (Map.Entry<String, Object> member : sorted.entrySet()) {
        writer.name(member.getKey());
        canonical(writer, member.getValue());
      }
      writer.endObject();
    } else if (value instanceof List<?> list) {
      writer.beginArray();
      for (Object item : list) {
        canonical(writer, item);
      }
      writer.endArray();
    } else if (value instanceof String text) {
      writer.value(text);
    } else if (value instanceof Boolean flag) {
      writer.value(flag);
    } else if (value instanceof Number number) {
      writer.value(number);
    } else if (value == null) {
      writer.nullValue();
    } else {
      // a decoded request holds only JSON's types
      writer.value(String.valueOf(value));
    }
  }
}
