package dev.sheepdog.gateway;

import dev.sheepdog.benchmarks.BenchmarkDefaults;
import dev.sheepdog.core.RoutedResponse;
import dev.sheepdog.spi.ChatResponse;
import dev.sheepdog.spi.ModelId;
import dev.sheepdog.spi.Money;
import dev.sheepdog.spi.Priority;
import dev.sheepdog.spi.RouteHints;
import dev.sheepdog.spi.TaskType;
import dev.sheepdog.spi.Usage;
import dev.sheepdog.wire.openai.ChatRequestFormat;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * A response-cache hit inside the gateway's handler, HTTP left out: the header read, the key of a
 * decoded request (canonical JSON of route, hints, messages and fields, then SHA-256) and the
 * Caffeine lookup of a fetched entry. The target is 2 µs. In this package to reach the gateway's
 * package-private cache, as the handler does.
 */
@State(Scope.Benchmark)
public class ResponseCacheBenchmark extends BenchmarkDefaults {
  private ResponseCache cache;
  private ChatRequestFormat.Incoming[] requests;
  private RouteHints hints;
  private int index;

  @Setup
  public void setUp() {
    cache = new ResponseCache(CacheSettings.allRoutes());
    hints = RouteHints.builder().task(TaskType.GENERAL).priority(Priority.NORMAL).tag("client:0123456789abcdef")
        .build();
    requests = new ChatRequestFormat.Incoming[INPUTS];
    for (int i = 0; i < INPUTS; i++) {
      // a system prompt and a question of a few hundred bytes: a typical deterministic request
      String body = "{\"model\":\"auto\",\"temperature\":0,\"max_tokens\":256,\"messages\":["
          + "{\"role\":\"system\",\"content\":\"You are a helpful assistant that answers briefly and precisely.\"},"
          + "{\"role\":\"user\",\"content\":\"Summarize question " + i + " of the quarterly report in two "
          + "sentences, naming the figures that changed most since last quarter.\"}]}";
      requests[i] = ChatRequestFormat.decode(body.getBytes(StandardCharsets.UTF_8));
      ResponseCache.Key key = cache.keyOf("auto", hints, requests[i].request(), ResponseCache.Mode.DEFAULT);
      RoutedResponse answer = new RoutedResponse("r" + i, ChatResponse.of("c" + i, "m",
          "An answer of a few sentences to question " + i + ".", "stop", new Usage(60, 40)),
          ModelId.of("gpt-4.1-mini"), List.of(), Duration.ofMillis(800), new Usage(60, 40), Money.ofUsd("0.0001"));
      cache.lookup(key, ResponseCache.Mode.DEFAULT, () -> CompletableFuture.completedFuture(answer)).entry().join();
    }
  }

  @Benchmark
  public ResponseCache.Entry hit() {
    ChatRequestFormat.Incoming incoming = requests[index++ & MASK];
    ResponseCache.Mode mode = ResponseCache.Mode.of(null);
    ResponseCache.Key key = cache.keyOf(incoming.model(), hints, incoming.request(), mode);
    return cache.lookup(key, mode, () -> {
      throw new IllegalStateException("a hit fetches nothing");
    }).entry().join();
  }
}
