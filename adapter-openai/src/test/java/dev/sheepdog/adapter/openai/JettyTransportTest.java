package dev.sheepdog.adapter.openai;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sheepdog.spi.CallOptions;
import dev.sheepdog.spi.ChatChunk;
import dev.sheepdog.spi.ChatRequest;
import dev.sheepdog.spi.ChatResponse;
import dev.sheepdog.spi.FailureKind;
import dev.sheepdog.spi.ProviderException;
import dev.sheepdog.spi.StreamHandle;
import dev.sheepdog.spi.StreamListener;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The default transport against a real Jetty upstream: calls in flight cost no threads, a
 * cancelled call closes its connection where the upstream sees it, the limits of calls in flight
 * refuse at once, and HTTP/2 is spoken when asked for.
 */
class JettyTransportTest {
  private static final Duration PATIENCE = Duration.ofSeconds(60);
  private static final CallOptions OPTIONS = CallOptions.of(PATIENCE, "r1");
  private static final ChatRequest STREAMED = ChatRequest.builder().user("hi").stream(true).build();

  @Test
  void holds_2000_calls_in_flight_on_a_bounded_number_of_threads() throws Exception {
    try (ParkingUpstream upstream = new ParkingUpstream(16);
        OpenAiProvider provider = OpenAiProvider.builder().id("many").baseUrl(upstream.baseUrl()).build()) {
      // given: pools started by one call answered
      CompletableFuture<ChatResponse> warmUp = provider.complete(Upstream.MODEL, ChatRequest.ofUser("hi"), OPTIONS);
      upstream.awaitReceived(1, PATIENCE);
      upstream.answerAll();
      warmUp.get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
      ThreadMXBean threads = ManagementFactory.getThreadMXBean();
      int before = threads.getThreadCount();
      threads.resetPeakThreadCount();
      // when: 1,000 JSON calls and 1,000 streams, all held by the upstream at once
      List<CompletableFuture<ChatResponse>> answers = new ArrayList<>();
      Streams streams = new Streams(1_000);
      for (int i = 0; i < 1_000; i++) {
        answers.add(provider.complete(Upstream.MODEL, ChatRequest.ofUser("hi " + i), OPTIONS));
        provider.stream(Upstream.MODEL, STREAMED, OPTIONS, streams);
      }
      upstream.awaitReceived(2_001, PATIENCE);
      int whileHeld = threads.getThreadCount();
      int inFlight = provider.callsInFlight();
      upstream.answerAll();
      for (CompletableFuture<ChatResponse> answer : answers) {
        assertThat(answer.get(PATIENCE.toSeconds(), TimeUnit.SECONDS).content()).isEqualTo("held");
      }
      streams.awaitAll();
      // then
      assertThat(inFlight).isEqualTo(2_000);
      assertThat(whileHeld - before).as("threads added while 2,000 calls were in flight").isLessThan(64);
      assertThat(threads.getPeakThreadCount() - before).as("threads added at the peak").isLessThan(64);
      assertThat(streams.completed.get()).isEqualTo(1_000);
      assertThat(streams.failure.get()).isNull();
      assertThat(provider.callsInFlight()).isZero();
    }
  }

  @Test
  void a_call_started_when_the_last_one_ends_finds_its_permit_free() throws Exception {
    try (ParkingUpstream upstream = new ParkingUpstream(8);
        OpenAiProvider provider = OpenAiProvider.builder().id("one-at-a-time").baseUrl(upstream.baseUrl())
            .maxRequests(1).build()) {
      // given: one call in flight, the only one allowed, and a next call chained to its answer
      CompletableFuture<ChatResponse> first = provider.complete(Upstream.MODEL, ChatRequest.ofUser("1"), OPTIONS);
      upstream.awaitReceived(1, PATIENCE);
      CompletableFuture<ChatResponse> second = first.thenCompose(answer ->
          provider.complete(Upstream.MODEL, ChatRequest.ofUser("2"), OPTIONS));
      // when
      upstream.answerAll();
      upstream.awaitReceived(2, PATIENCE);
      upstream.answerAll();
      // then: the second was admitted, not refused as a second call in flight
      assertThat(second.get(PATIENCE.toSeconds(), TimeUnit.SECONDS).content()).isEqualTo("held");
    }
  }

  @Test
  void a_call_started_when_a_stream_ends_finds_its_permit_free() throws Exception {
    try (ParkingUpstream upstream = new ParkingUpstream(8);
        OpenAiProvider provider = OpenAiProvider.builder().id("one-at-a-time").baseUrl(upstream.baseUrl())
            .maxRequests(1).build()) {
      // given: a stream, the only call allowed, whose listener starts a call when it ends
      CompletableFuture<CompletableFuture<ChatResponse>> next = new CompletableFuture<>();
      provider.stream(Upstream.MODEL, STREAMED, OPTIONS, new Streams(1) {
        @Override
        public void onComplete() {
          next.complete(provider.complete(Upstream.MODEL, ChatRequest.ofUser("after"), OPTIONS));
        }
      });
      upstream.awaitReceived(1, PATIENCE);
      // when
      upstream.answerAll();
      CompletableFuture<ChatResponse> after = next.get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
      upstream.awaitReceived(2, PATIENCE);
      upstream.answerAll();
      // then
      assertThat(after.get(PATIENCE.toSeconds(), TimeUnit.SECONDS).content()).isEqualTo("held");
    }
  }

  @Test
  void cancelling_a_call_closes_its_connection_where_the_upstream_sees_it() throws Exception {
    try (ParkingUpstream upstream = new ParkingUpstream(8, true);
        OpenAiProvider provider = OpenAiProvider.builder().id("cancelled").baseUrl(upstream.baseUrl()).build()) {
      // given
      CompletableFuture<ChatResponse> call = provider.complete(Upstream.MODEL, ChatRequest.ofUser("hi"), OPTIONS);
      upstream.awaitReceived(1, PATIENCE);
      // when
      call.cancel(true);
      // then
      upstream.awaitClosedConnection(Duration.ofSeconds(10));
      assertThat(call).isCancelled();
      assertThat(provider.callsInFlight()).isZero();
    }
  }

  @Test
  void cancelling_a_stream_closes_its_connection_where_the_upstream_sees_it() throws Exception {
    try (ParkingUpstream upstream = new ParkingUpstream(8, true);
        OpenAiProvider provider = OpenAiProvider.builder().id("cancelled").baseUrl(upstream.baseUrl()).build()) {
      // given: a stream whose first event has arrived
      Streams listener = new Streams(1);
      StreamHandle handle = provider.stream(Upstream.MODEL, STREAMED, OPTIONS, listener);
      assertThat(listener.firstText.await(PATIENCE.toSeconds(), TimeUnit.SECONDS)).isTrue();
      // when
      handle.cancel();
      // then
      upstream.awaitClosedConnection(Duration.ofSeconds(10));
      assertThat(listener.completed.get()).isZero();
      assertThat(listener.failure.get()).isNull();
      assertThat(provider.callsInFlight()).isZero();
    }
  }

  @Test
  void past_the_per_host_limit_a_call_fails_at_once_with_overloaded() throws Exception {
    try (ParkingUpstream upstream = new ParkingUpstream(8);
        OpenAiProvider provider = OpenAiProvider.builder().id("limited").baseUrl(upstream.baseUrl())
            .maxRequestsPerHost(2).build()) {
      // given: two calls held
      CompletableFuture<ChatResponse> first = provider.complete(Upstream.MODEL, ChatRequest.ofUser("1"), OPTIONS);
      Streams held = new Streams(1);
      provider.stream(Upstream.MODEL, STREAMED, OPTIONS, held);
      upstream.awaitReceived(2, PATIENCE);
      // when
      CompletableFuture<ChatResponse> third = provider.complete(Upstream.MODEL, ChatRequest.ofUser("3"), OPTIONS);
      Streams refused = new Streams(1);
      provider.stream(Upstream.MODEL, STREAMED, OPTIONS, refused);
      // then: refused before returning, and never sent
      assertThat(third).isCompletedExceptionally();
      assertThat(failureOf(third).kind()).isEqualTo(FailureKind.OVERLOADED);
      assertThat(failureOf(third).providerMessage()).contains("max_requests_per_host");
      assertThat(refused.failure.get()).isNotNull();
      assertThat(refused.failure.get().kind()).isEqualTo(FailureKind.OVERLOADED);
      assertThat(upstream.received.get()).isEqualTo(2);
      // and once the held calls end, calls are admitted again
      upstream.answerAll();
      first.get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
      held.awaitAll();
      CompletableFuture<ChatResponse> later = provider.complete(Upstream.MODEL, ChatRequest.ofUser("4"), OPTIONS);
      upstream.awaitReceived(3, PATIENCE);
      upstream.answerAll();
      assertThat(later.get(PATIENCE.toSeconds(), TimeUnit.SECONDS).content()).isEqualTo("held");
    }
  }

  @Test
  void providers_sharing_a_client_share_the_limit_of_their_host_and_keep_their_own() throws Exception {
    try (ParkingUpstream upstream = new ParkingUpstream(8);
        SharedHttpClient shared = SharedHttpClient.create(8);
        OpenAiProvider one = OpenAiProvider.builder().id("one").baseUrl(upstream.baseUrl()).httpClient(shared.get())
            .maxRequestsPerHost(3).maxRequests(1).build();
        OpenAiProvider two = OpenAiProvider.builder().id("two").baseUrl(upstream.baseUrl()).httpClient(shared.get())
            .maxRequestsPerHost(3).build()) {
      // given: one call of the first provider and two of the second held, on one host
      CompletableFuture<ChatResponse> a = one.complete(Upstream.MODEL, ChatRequest.ofUser("a"), OPTIONS);
      CompletableFuture<ChatResponse> b = two.complete(Upstream.MODEL, ChatRequest.ofUser("b"), OPTIONS);
      CompletableFuture<ChatResponse> c = two.complete(Upstream.MODEL, ChatRequest.ofUser("c"), OPTIONS);
      upstream.awaitReceived(3, PATIENCE);
      // when
      CompletableFuture<ChatResponse> overHost = two.complete(Upstream.MODEL, ChatRequest.ofUser("d"), OPTIONS);
      CompletableFuture<ChatResponse> overOwn = one.complete(Upstream.MODEL, ChatRequest.ofUser("e"), OPTIONS);
      // then
      assertThat(failureOf(overHost).providerMessage()).contains("max_requests_per_host");
      assertThat(failureOf(overOwn).providerMessage()).contains("max_requests");
      assertThat(failureOf(overOwn).kind()).isEqualTo(FailureKind.OVERLOADED);
      upstream.answerAll();
      for (CompletableFuture<ChatResponse> call : List.of(a, b, c)) {
        assertThat(call.get(PATIENCE.toSeconds(), TimeUnit.SECONDS).content()).isEqualTo("held");
      }
    }
  }

  @Test
  void speaks_h2c_when_asked_for_http_2_and_http_1_1_on_plain_http_otherwise() throws Exception {
    try (ParkingUpstream upstream = new ParkingUpstream(8);
        OpenAiProvider h2 = OpenAiProvider.builder().id("h2").baseUrl(upstream.baseUrl())
            .httpVersion(HttpVersionPolicy.HTTP_2).build();
        OpenAiProvider auto = OpenAiProvider.builder().id("auto").baseUrl(upstream.baseUrl()).build()) {
      // given
      CompletableFuture<ChatResponse> overH2 = h2.complete(Upstream.MODEL, ChatRequest.ofUser("hi"), OPTIONS);
      Streams streamOverH2 = new Streams(1);
      h2.stream(Upstream.MODEL, STREAMED, OPTIONS, streamOverH2);
      upstream.awaitReceived(2, PATIENCE);
      CompletableFuture<ChatResponse> overAuto = auto.complete(Upstream.MODEL, ChatRequest.ofUser("hi"), OPTIONS);
      upstream.awaitReceived(3, PATIENCE);
      // when
      upstream.answerAll();
      // then
      assertThat(overH2.get(PATIENCE.toSeconds(), TimeUnit.SECONDS).content()).isEqualTo("held");
      assertThat(overAuto.get(PATIENCE.toSeconds(), TimeUnit.SECONDS).content()).isEqualTo("held");
      streamOverH2.awaitAll();
      assertThat(streamOverH2.failure.get()).isNull();
      assertThat(streamOverH2.texts).containsExactly("first");
      assertThat(upstream.protocols).containsExactly("HTTP/2.0", "HTTP/2.0", "HTTP/1.1");
    }
  }

  @Test
  void a_shared_client_pools_each_host_as_its_provider_asked() throws Exception {
    try (ParkingUpstream upstream = new ParkingUpstream(8);
        SharedHttpClient shared = SharedHttpClient.create(8)) {
      // given
      List<org.eclipse.jetty.io.Connection> opened = new java.util.concurrent.CopyOnWriteArrayList<>();
      shared.get().addBean(new org.eclipse.jetty.io.Connection.Listener() {
        @Override
        public void onOpened(org.eclipse.jetty.io.Connection connection) {
          opened.add(connection);
        }
      });
      OpenAiProvider provider = OpenAiProvider.builder().id("pooled").baseUrl(upstream.baseUrl()).httpClient(shared.get())
          .maxConnectionsPerHost(7).keepAlive(Duration.ofSeconds(42)).readTimeout(Duration.ofSeconds(9)).build();
      // when
      CompletableFuture<ChatResponse> call = provider.complete(Upstream.MODEL, ChatRequest.ofUser("hi"), OPTIONS);
      upstream.awaitReceived(1, PATIENCE);
      long duringCall = opened.get(0).getEndPoint().getIdleTimeout();
      upstream.answerAll();
      call.get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
      // then: the read timeout while the call runs, the keep-alive once the connection is idle in the pool
      assertThat(duringCall).isEqualTo(9_000);
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (opened.get(0).getEndPoint().getIdleTimeout() != 42_000 && System.nanoTime() < deadline) {
        Thread.onSpinWait();
      }
      assertThat(opened.get(0).getEndPoint().getIdleTimeout()).isEqualTo(42_000);
      org.eclipse.jetty.client.ConnectionPool pool = shared.get().getDestinations().get(0).getConnectionPool();
      assertThat(((org.eclipse.jetty.client.AbstractConnectionPool) pool).getMaxConnectionCount()).isEqualTo(7);
      provider.close();
      assertThat(shared.get().isRunning()).as("a shared client outlives its providers").isTrue();
    }
  }

  @Test
  void a_connect_timeout_shorter_than_the_shared_clients_is_kept_per_request() throws Exception {
    // given: a listener whose backlog is full, so that a further connect hangs unanswered
    try (java.net.ServerSocket full = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
        SharedHttpClient shared = SharedHttpClient.create(8)) {
      List<java.net.Socket> fillers = new ArrayList<>();
      try {
        for (int i = 0; i < 8; i++) {
          java.net.Socket filler = new java.net.Socket();
          fillers.add(filler);
          try {
            filler.connect(full.getLocalSocketAddress(), 200);
          } catch (java.net.SocketTimeoutException backlogFull) {
            break;
          }
        }
        OpenAiProvider provider = OpenAiProvider.builder().id("slow-connect")
            .baseUrl("http://127.0.0.1:" + full.getLocalPort() + "/v1").httpClient(shared.get())
            .connectTimeout(Duration.ofMillis(300)).build();
        // when
        ProviderException failure = failureOf(provider.complete(Upstream.MODEL, ChatRequest.ofUser("hi"), OPTIONS));
        // then
        assertThat(failure.kind()).isEqualTo(FailureKind.TIMEOUT);
        assertThat(failure.providerMessage()).contains("connect timed out after 300 ms");
      } finally {
        for (java.net.Socket filler : fillers) {
          filler.close();
        }
      }
    }
  }

  private static ProviderException failureOf(CompletableFuture<?> call) throws Exception {
    try {
      call.get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
      throw new AssertionError("expected a failure");
    } catch (ExecutionException e) {
      return (ProviderException) e.getCause();
    }
  }

  /** Counts how streams end. */
  private static class Streams implements StreamListener {
    final CountDownLatch ended;
    final CountDownLatch firstText = new CountDownLatch(1);
    final AtomicInteger completed = new AtomicInteger();
    final AtomicReference<ProviderException> failure = new AtomicReference<>();
    final List<String> texts = new java.util.concurrent.CopyOnWriteArrayList<>();

    Streams(int count) {
      ended = new CountDownLatch(count);
    }

    @Override
    public void onChunk(ChatChunk chunk) {
      if (!chunk.text().isEmpty()) {
        texts.add(chunk.text());
        firstText.countDown();
      }
    }

    @Override
    public void onComplete() {
      completed.incrementAndGet();
      ended.countDown();
    }

    @Override
    public void onError(ProviderException error) {
      failure.compareAndSet(null, error);
      ended.countDown();
    }

    void awaitAll() throws InterruptedException {
      assertThat(ended.await(PATIENCE.toSeconds(), TimeUnit.SECONDS)).as("streams ended").isTrue();
    }
  }
}
