package dev.sheepdog.adapter.http;

import dev.sheepdog.spi.ChatChunk;
import dev.sheepdog.spi.ProviderException;
import dev.sheepdog.spi.StreamListener;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import mockwebserver3.MockResponse;
import mockwebserver3.MockResponseBody;
import mockwebserver3.MockWebServer;
import okio.BufferedSink;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.StringRequestContent;
import org.eclipse.jetty.client.WWWAuthenticationProtocolHandler;
import org.eclipse.jetty.http.HttpHeader;

/**
 * A MockWebServer whose replies are written piece by piece, and a started Jetty client to call it
 * with; {@link #closed} counts down when a reply that never ends sees its connection closed.
 */
final class Upstream {
  static final String KEY = "sk-adapter-http-test-0123456789";

  final MockWebServer server = new MockWebServer();
  final HttpClient client = startedClient();
  final CountDownLatch closed = new CountDownLatch(1);

  Upstream() {
    try {
      server.start();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Like the gateway's shared client: a 401 without a challenge reaches the caller as it is. */
  static HttpClient startedClient() {
    HttpClient client = new HttpClient();
    try {
      client.start();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    client.getProtocolHandlers().remove(WWWAuthenticationProtocolHandler.NAME);
    return client;
  }

  URI url() {
    return server.url("/v1/generate").uri();
  }

  /** A POST to this server with the key in {@code Authorization}. */
  Request post() {
    return post(url());
  }

  Request post(URI url) {
    return client.newRequest(url).method("POST")
        .headers(h -> h.put(HttpHeader.AUTHORIZATION, "Bearer " + KEY))
        .body(new StringRequestContent("application/json", "{\"prompt\":\"hi\"}"));
  }

  void enqueue(MockResponse reply) {
    server.enqueue(reply);
  }

  /** A reply with {@code status} and {@code body}, in one piece. */
  static MockResponse reply(int status, String body) {
    return new MockResponse.Builder().code(status).setHeader("Content-Type", "application/json").body(body).build();
  }

  /** A 200 whose body is written in these pieces, {@code pause} apart, then ends. */
  static MockResponse pieces(Duration pause, String... pieces) {
    List<byte[]> bytes = new ArrayList<>();
    for (String piece : pieces) {
      bytes.add(piece.getBytes(StandardCharsets.UTF_8));
    }
    return pieces(pause, bytes);
  }

  /** A 200 whose body is written in these pieces of bytes, {@code pause} apart, then ends. */
  static MockResponse pieces(Duration pause, List<byte[]> pieces) {
    long length = pieces.stream().mapToLong(piece -> piece.length).sum();
    return new MockResponse.Builder().setHeader("Content-Type", "application/x-ndjson").body(new MockResponseBody() {
      @Override
      public long getContentLength() {
        return length;
      }

      @Override
      public void writeTo(BufferedSink sink) throws IOException {
        for (byte[] piece : pieces) {
          sink.write(piece).flush();
          sleep(pause);
        }
      }
    }).build();
  }

  /**
   * A 200 that writes {@code head}, then {@code every} {@code repeat} until a write fails: the
   * client has closed the connection, and {@link #closed} counts down.
   */
  MockResponse endless(String head, String repeat, Duration every) {
    return new MockResponse.Builder().setHeader("Content-Type", "application/x-ndjson").body(new MockResponseBody() {
      @Override
      public long getContentLength() {
        return 100_000_000; // more than is ever written
      }

      @Override
      public void writeTo(BufferedSink sink) throws IOException {
        try {
          sink.writeUtf8(head).flush();
          while (true) {
            sleep(every);
            sink.writeUtf8(repeat).flush();
          }
        } catch (IOException gone) {
          closed.countDown();
          throw gone;
        }
      }
    }).build();
  }

  /** Whether the server saw the connection of an endless reply closed within {@code within}. */
  boolean sawClosed(Duration within) throws InterruptedException {
    return closed.await(within.toMillis(), TimeUnit.MILLISECONDS);
  }

  private static void sleep(Duration pause) {
    if (pause.isZero()) {
      return;
    }
    try {
      Thread.sleep(pause.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  void close() throws Exception {
    client.stop();
    server.close();
  }

  /** Records a stream; counts what arrives after its end or after a cancel has returned. */
  static class Recorder implements StreamListener {
    final List<ChatChunk> chunks = Collections.synchronizedList(new ArrayList<>());
    final CountDownLatch ended = new CountDownLatch(1);
    final AtomicInteger completed = new AtomicInteger();
    final AtomicInteger errors = new AtomicInteger();
    final AtomicInteger late = new AtomicInteger();
    volatile ProviderException error;
    volatile boolean cancelReturned;

    @Override
    public void onChunk(ChatChunk chunk) {
      check();
      chunks.add(chunk);
    }

    @Override
    public void onComplete() {
      check();
      completed.incrementAndGet();
      ended.countDown();
    }

    @Override
    public void onError(ProviderException failure) {
      check();
      error = failure;
      errors.incrementAndGet();
      ended.countDown();
    }

    private void check() {
      if (cancelReturned || ended.getCount() == 0) {
        late.incrementAndGet();
      }
    }

    void awaitEnd() throws InterruptedException {
      if (!ended.await(10, TimeUnit.SECONDS)) {
        throw new AssertionError("the stream did not end within 10 s");
      }
    }

    List<String> texts() {
      synchronized (chunks) {
        return chunks.stream().map(ChatChunk::text).toList();
      }
    }
  }
}
