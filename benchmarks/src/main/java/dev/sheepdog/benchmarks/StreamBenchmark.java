package dev.sheepdog.benchmarks;

import dev.sheepdog.adapter.holysheep.HolySheep;
import dev.sheepdog.core.RoutedStreamListener;
import dev.sheepdog.core.RoutedStreamResult;
import dev.sheepdog.core.Router;
import dev.sheepdog.spi.ChatChunk;
import dev.sheepdog.spi.ChatRequest;
import dev.sheepdog.spi.ModelId;
import dev.sheepdog.spi.RouteHints;
import dev.sheepdog.spi.RouterException;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Chunks relayed per second through {@code Router.stream}: one invocation is a whole stream of
 * {@value #CHUNKS} chunks from a provider that emits them at once on the caller's thread, so the
 * score (and {@code -prof gc}'s B/op) is per chunk and includes the stream's setup spread over
 * its chunks.
 */
@State(Scope.Thread)
public class StreamBenchmark extends BenchmarkDefaults {
  /** About a short paragraph of tokens. */
  static final int CHUNKS = 64;

  private Router router;
  private ChatRequest[] requests;
  private final CountingListener listener = new CountingListener();
  private int index;

  @Setup
  public void setUp() {
    router = Router.builder()
        .catalog(RouteBenchmark.unlimited(HolySheep.catalog()))
        .provider(new InstantProvider(Set.of(), CHUNKS))
        .settings(RouteBenchmark.neverOpening())
        .build();
    requests = new ChatRequest[INPUTS];
    for (int i = 0; i < INPUTS; i++) {
      requests[i] = ChatRequest.builder().user("Tell me about sheepdogs (" + i + ")").maxTokens(256).stream(true).build();
    }
    if (relay() != CHUNKS) {
      throw new IllegalStateException("expected " + CHUNKS + " chunks, got " + listener.chunks);
    }
  }

  @Benchmark
  @BenchmarkMode(Mode.Throughput)
  @OutputTimeUnit(TimeUnit.SECONDS)
  @OperationsPerInvocation(CHUNKS)
  public int relay() {
    listener.reset();
    router.stream(requests[index++ & MASK], RouteHints.DEFAULT, listener);
    while (!listener.done) {
      Thread.onSpinWait();
    }
    if (listener.error != null) {
      throw listener.error;
    }
    return listener.chunks;
  }

  /** Counts what the router relays; the provider is synchronous, so it is done when stream() returns. */
  static final class CountingListener implements RoutedStreamListener {
    int chunks;
    volatile boolean done;
    RouterException error;

    void reset() {
      chunks = 0;
      error = null;
      done = false;
    }

    @Override
    public void onChunk(ModelId model, ChatChunk chunk) {
      chunks++;
    }

    @Override
    public void onComplete(RoutedStreamResult result) {
      done = true;
    }

    @Override
    public void onError(RouterException error) {
      this.error = error;
      done = true;
    }
  }
}
