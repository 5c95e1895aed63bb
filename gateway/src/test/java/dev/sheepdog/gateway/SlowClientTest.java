package dev.sheepdog.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sheepdog.core.RouteTableStrategy;
import dev.sheepdog.core.Router;
import dev.sheepdog.spi.CallOptions;
import dev.sheepdog.spi.ChatChunk;
import dev.sheepdog.spi.ChatProvider;
import dev.sheepdog.spi.ChatRequest;
import dev.sheepdog.spi.ChatResponse;
import dev.sheepdog.spi.ModelCatalog;
import dev.sheepdog.spi.ModelSpec;
import dev.sheepdog.spi.Priority;
import dev.sheepdog.spi.ProviderId;
import dev.sheepdog.spi.StreamHandle;
import dev.sheepdog.spi.StreamListener;
import dev.sheepdog.spi.TaskType;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Clients that read or write slowly cost the gateway bounded memory for a bounded time: a stream
 * nobody reads keeps at most its buffer cap and stops its upstream; a body that trickles is cut at
 * the body timeout; headers that trickle are cut at the header timeout; and meanwhile everyone else
 * is served.
 */
class SlowClientTest {
  private static final long MIB = 1L << 20;

  private final Firehose firehose = new Firehose();
  private final List<RawHttp> connections = new ArrayList<>();
  private GatewayServer gateway;

  @AfterEach
  void close() {
    connections.forEach(RawHttp::close);
    if (gateway != null) {
      gateway.close();
    }
  }

  @Test
  void streams_nobody_reads_keep_a_bounded_buffer_and_their_upstreams_are_cancelled() {
    // given: an upstream that streams as fast as it can, 64 MiB per stream unless cancelled
    start(config -> config.maxStreamBufferBytes(256 * 1024));
    long baseline = retainedHeap();
    try (LogCapture logs = new LogCapture()) {
      // when: five clients ask for a stream and never read it
      for (int i = 0; i < 5; i++) {
        connections.add(new RawHttp(gateway.uri(), 4096).send(streamRequest()));
      }
      // then
      awaitTrue(() -> firehose.cancelled.get() == 5, "every upstream stream is cancelled");
      assertThat(firehose.bytesSent.get()).as("bytes the upstreams produced").isLessThan(5 * 16 * MIB);
      assertThat(retainedHeap() - baseline).as("heap retained with five stalled streams").isLessThan(32 * MIB);
      assertThat(fixtureChat().statusCode()).as("a normal request meanwhile").isEqualTo(200);
      // when the stalled clients go away, each gets one access line saying it was cut, not 200
      connections.forEach(RawHttp::close);
      List<String> lines = logs.await(line -> line.contains("/v1/chat/completions") && line.contains("status=408"), 5);
      assertThat(lines).hasSize(5);
    }
  }

  @Test
  void bodies_that_trickle_are_cut_at_the_body_timeout_with_a_408() {
    // given: 900 KiB of a 1 MiB body sent by each of 40 clients, then nothing
    start(config -> config.bodyTimeout(Duration.ofSeconds(2)));
    long baseline = retainedHeap();
    String head = "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:" + gateway.port()
        + "\r\nContent-Type: application/json\r\nContent-Length: " + MIB + "\r\n\r\n";
    String part = "{\"model\":\"auto\",\"messages\":[{\"role\":\"user\",\"content\":\"" + "x".repeat(900 * 1024);
    for (int i = 0; i < 40; i++) {
      connections.add(new RawHttp(gateway.uri()).send(head).send(part));
    }
    // when
    long held = retainedHeap() - baseline;
    List<RawHttp.Response> answers = connections.stream().map(connection -> connection.read(10_000)).toList();
    // then
    assertThat(held).as("heap held by 40 partial bodies of 900 KiB").isLessThan(40 * 1_150 * 1024 + 16 * MIB);
    assertThat(answers).allSatisfy(answer -> {
      assertThat(answer.status()).isEqualTo(408);
      assertThat(answer.body()).contains("request_timeout");
      assertThat(answer.header("Connection")).isEqualTo("close");
    });
    assertThat(retainedHeap() - baseline).as("heap once they are answered").isLessThan(16 * MIB);
  }

  @Test
  void a_body_slower_than_the_minimum_rate_is_cut_once_the_grace_is_over() {
    // given: a 2 KiB/s minimum; the client sends 100 bytes, then a byte every 200 ms
    start(config -> config.minRequestBytesPerSecond(2048).bodyTimeout(Duration.ofMinutes(5)));
    RawHttp slow = new RawHttp(gateway.uri()).send("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:"
        + gateway.port() + "\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n" + "x".repeat(100));
    connections.add(slow);
    long start = System.nanoTime();
    // when
    boolean cut = false;
    while (!cut && System.nanoTime() - start < Duration.ofSeconds(30).toNanos()) {
      cut = slow.sendFails((byte) 'x') || slow.closedWithin(200);
    }
    // then
    assertThat(cut).as("the connection is closed").isTrue();
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(GatewayLimits.RATE_GRACE,
        GatewayLimits.RATE_GRACE.plusSeconds(5));
  }

  @Test
  void headers_that_trickle_are_cut_at_the_header_timeout_while_others_are_served() {
    // given: 1,000 connections sending their headers a byte at a time (slowloris), and one that sends nothing
    start(config -> config.headerTimeout(Duration.ofSeconds(1)));
    for (int i = 0; i < 1_000; i++) {
      connections.add(new RawHttp(gateway.uri()).send("GET /health HTTP/1.1\r\nHo"));
    }
    RawHttp silent = new RawHttp(gateway.uri());
    connections.add(silent);
    long start = System.nanoTime();
    int round = 0;
    // when: each sends one more byte every 100 ms
    while (System.nanoTime() - start < Duration.ofMillis(2_500).toNanos()) {
      for (RawHttp connection : connections.subList(0, 1_000)) {
        connection.sendFails((byte) ('a' + round % 26));
      }
      round++;
      assertThat(fixtureChat().statusCode()).as("a normal request meanwhile").isEqualTo(200);
    }
    // then
    assertThat(connections.subList(0, 1_000)).allSatisfy(connection -> {
      RawHttp.Response answer = connection.read(5_000);
      assertThat(answer.status()).isEqualTo(408);
      assertThat(answer.body()).contains("request_timeout");
    });
    assertThat(silent.read(5_000).status()).as("a connection that never sent a byte").isEqualTo(408);
  }

  @Test
  void connections_past_the_limit_are_told_503_and_closed() {
    // given: room for 10 connections, all held by idle clients
    start(config -> config.maxConnections(10));
    for (int i = 0; i < 10; i++) {
      connections.add(new RawHttp(gateway.uri()));
    }
    awaitTrue(() -> gateway.openConnections() == 10, "ten connections open");
    // when
    RawHttp.Response over;
    try (RawHttp eleventh = new RawHttp(gateway.uri())) {
      over = eleventh.send(RawHttp.request("GET", "/health", "127.0.0.1:" + gateway.port(), Map.of(), null))
          .read(5_000);
    }
    connections.forEach(RawHttp::close);
    awaitTrue(() -> gateway.openConnections() == 0, "the idle connections closed");
    // then
    assertThat(over.status()).isEqualTo(503);
    assertThat(over.body()).contains("too_many_connections");
    assertThat(over.header("Retry-After")).isEqualTo("1");
    assertThat(over.header("Connection")).isEqualTo("close");
    assertThat(fixtureChat().statusCode()).as("once there is room again").isEqualTo(200);
  }

  private void start(java.util.function.UnaryOperator<GatewaySettings.Builder> config) {
    Router router = Router.builder()
        .catalog(ModelCatalog.of(ModelSpec.builder("m", "firehose").build()))
        .provider(firehose)
        .strategy(RouteTableStrategy.builder().route(TaskType.GENERAL, Priority.NORMAL, "m").build())
        .build();
    gateway = GatewayServer.start(router, config.apply(GatewaySettings.builder().port(0)).build());
  }

  private String streamRequest() {
    return RawHttp.request("POST", "/v1/chat/completions", "127.0.0.1:" + gateway.port(),
        Map.of("Content-Type", "application/json"), GatewayFixture.chatBody("auto", true));
  }

  private java.net.http.HttpResponse<String> fixtureChat() {
    try {
      return java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
              URI.create(gateway.uri() + "/v1/chat/completions"))
          .timeout(Duration.ofSeconds(10))
          .header("Content-Type", "application/json")
          .POST(java.net.http.HttpRequest.BodyPublishers.ofString(GatewayFixture.chatBody("auto", false)))
          .build(), java.net.http.HttpResponse.BodyHandlers.ofString());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** Heap in use after full collections: what is still reachable. */
  static long retainedHeap() {
    var memory = ManagementFactory.getMemoryMXBean();
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 3; i++) {
      System.gc();
      used = Math.min(used, memory.getHeapMemoryUsage().getUsed());
    }
    return used;
  }

  private static void awaitTrue(BooleanSupplier condition, String what) {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as(what).isLessThan(deadline);
      Thread.onSpinWait();
    }
  }

  /**
   * An upstream that answers at once and streams 1 KiB chunks as fast as the gateway takes them,
   * each stream on its own thread, up to 64 MiB, until cancelled.
   */
  private static final class Firehose implements ChatProvider {
    final AtomicInteger cancelled = new AtomicInteger();
    final AtomicLong bytesSent = new AtomicLong();
    private final String text = "y".repeat(1024);

    @Override
    public ProviderId id() {
      return ProviderId.of("firehose");
    }

    @Override
    public CompletableFuture<ChatResponse> complete(ModelSpec model, ChatRequest request, CallOptions options) {
      return CompletableFuture.completedFuture(ChatResponse.of("r", model.upstreamName(), "fine", "stop", new dev.sheepdog.spi.Usage(1, 1)));
    }

    @Override
    public StreamHandle stream(ModelSpec model, ChatRequest request, CallOptions options, StreamListener listener) {
      AtomicBoolean stop = new AtomicBoolean();
      Thread pump = new Thread(() -> {
        for (long sent = 0; sent < 64 * MIB && !stop.get(); sent += text.length()) {
          listener.onChunk(ChatChunk.ofText("chunk", model.upstreamName(), text, null));
          bytesSent.addAndGet(text.length());
        }
        if (!stop.get()) {
          listener.onComplete();
        }
      }, "firehose");
      pump.setDaemon(true);
      pump.start();
      return () -> {
        if (stop.compareAndSet(false, true)) {
          cancelled.incrementAndGet();
        }
      };
    }
  }
}
