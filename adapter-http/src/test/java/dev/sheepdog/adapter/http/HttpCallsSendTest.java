package dev.sheepdog.adapter.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sheepdog.spi.CallOptions;
import dev.sheepdog.spi.FailureKind;
import dev.sheepdog.spi.ProviderException;
import dev.sheepdog.testkit.HttpUpstream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import mockwebserver3.MockResponse;
import org.eclipse.jetty.http.HttpHeader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link HttpCalls#send}: a whole reply read, or one classified failure; timeouts, cancellation, bounds. */
@Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class HttpCallsSendTest {
  private static final CallOptions OPTIONS = CallOptions.of(Duration.ofSeconds(10), "r1");
  private static final Pattern ERROR = Pattern.compile("\\{\"error\":\"(.*)\"}");
  /** Finds "..." in {"error":"..."}; a body of another shape is not its business. */
  static final ErrorReader ERRORS = body -> {
    Matcher error = ERROR.matcher(body);
    return error.matches() ? error.group(1) : null;
  };

  private final Upstream upstream = new Upstream();
  private final HttpCalls http = HttpCalls.create().errors(ERRORS);

  @AfterEach
  void stop() throws Exception {
    upstream.close();
  }

  @Test
  void a_2xx_reply_is_read_whole_by_the_reader() throws Exception {
    // given
    upstream.enqueue(new MockResponse.Builder(Upstream.reply(201, "{\"text\":\"h\u00e9llo\"}"))
        .setHeader("X-Trace", "t-1").build());
    // when
    HttpReply reply = http.send(upstream.post(), OPTIONS, r -> r).get(10, TimeUnit.SECONDS);
    // then
    assertThat(reply.status()).isEqualTo(201);
    assertThat(reply.header("X-Trace")).isEqualTo("t-1");
    assertThat(reply.body()).isEqualTo("{\"text\":\"h\u00e9llo\"}");
    assertThat(upstream.server.takeRequest().getHeaders().get("Authorization")).isEqualTo("Bearer " + Upstream.KEY);
  }

  @Test
  void an_error_reply_is_classified_by_the_status_table_with_the_message_the_reader_finds() throws Exception {
    // given
    upstream.enqueue(new MockResponse.Builder(Upstream.reply(429, "{\"error\":\"slow down\"}"))
        .setHeader("Retry-After", "7").build());
    upstream.enqueue(Upstream.reply(400, "{\"error\":\"prompt must not be empty\"}"));
    upstream.enqueue(Upstream.reply(403, ""));
    // when
    ProviderException limited = failureOf(http.send(upstream.post(), OPTIONS, r -> r));
    ProviderException bad = failureOf(http.send(upstream.post(), OPTIONS, r -> r));
    ProviderException refused = failureOf(http.send(upstream.post(), OPTIONS, r -> r));
    // then
    assertThat(limited.kind()).isEqualTo(FailureKind.RATE_LIMITED);
    assertThat(limited.httpStatus()).isEqualTo(429);
    assertThat(limited.retryAfter()).hasValue(Duration.ofSeconds(7));
    assertThat(limited.providerMessage()).isEqualTo("slow down");
    assertThat(bad.kind()).isEqualTo(FailureKind.BAD_REQUEST);
    assertThat(bad.providerMessage()).isEqualTo("prompt must not be empty");
    assertThat(refused.kind()).isEqualTo(FailureKind.UNAUTHORIZED);
  }

  @Test
  void an_error_body_the_reader_cannot_read_is_the_message_itself() throws Exception {
    // given: a proxy's page, and a reader that throws on it
    upstream.enqueue(Upstream.reply(503, "<html>upstream busy</html>"));
    HttpCalls throwing = HttpCalls.create().errors(body -> {
      throw new IOException("not JSON");
    });
    // when
    ProviderException failure = failureOf(throwing.send(upstream.post(), OPTIONS, r -> r));
    // then
    assertThat(failure.kind()).isEqualTo(FailureKind.UNAVAILABLE);
    assertThat(failure.providerMessage()).isEqualTo("<html>upstream busy</html>");
  }

  @Test
  void the_key_is_masked_in_every_message() throws Exception {
    // given: an upstream that echoes the Authorization header, and a second secret sent elsewhere
    upstream.enqueue(Upstream.reply(401, "{\"error\":\"bad header Bearer " + Upstream.KEY + "\"}"));
    upstream.enqueue(Upstream.reply(400, "{\"error\":\"key " + Upstream.KEY + " or other-secret-42?\"}"));
    HttpCalls redacting = http.redacting("other-secret-42");
    // when
    ProviderException echoed = failureOf(http.send(upstream.post(), OPTIONS, r -> r));
    ProviderException both = failureOf(redacting.send(upstream.post(), OPTIONS, r -> r));
    // then
    assertThat(echoed.getMessage()).doesNotContain(Upstream.KEY).contains("bad header [redacted]");
    assertThat(both.getMessage()).doesNotContain(Upstream.KEY).doesNotContain("other-secret-42")
        .contains("key [redacted] or [redacted]?");
  }

  @Test
  void a_failure_the_reader_raises_passes_masked_and_anything_else_it_throws_is_malformed() throws Exception {
    // given
    upstream.enqueue(Upstream.reply(200, "{\"filtered\":true}"));
    upstream.enqueue(Upstream.reply(200, "{\"text\":\"cut"));
    upstream.enqueue(Upstream.reply(200, "{}"));
    // when
    ProviderException filtered = failureOf(http.send(upstream.post(), OPTIONS, r -> {
      throw new ProviderException(FailureKind.CONTENT_FILTERED, 200, "refused for " + Upstream.KEY);
    }));
    ProviderException cut = failureOf(http.send(upstream.post(), OPTIONS, r -> {
      throw new IOException("End of input at path $.text");
    }));
    ProviderException empty = failureOf(http.send(upstream.post(), OPTIONS, r -> null));
    // then
    assertThat(filtered.kind()).isEqualTo(FailureKind.CONTENT_FILTERED);
    assertThat(filtered.getMessage()).doesNotContain(Upstream.KEY);
    assertThat(cut.kind()).isEqualTo(FailureKind.MALFORMED_RESPONSE);
    assertThat(cut.httpStatus()).isEqualTo(200);
    assertThat(cut.providerMessage()).contains("End of input at path $.text");
    assertThat(empty.kind()).isEqualTo(FailureKind.MALFORMED_RESPONSE);
  }

  @Test
  void a_body_over_the_bound_is_malformed_and_an_error_body_over_it_is_still_classified() throws Exception {
    // given
    HttpCalls small = http.maxBytes(1_000);
    upstream.enqueue(Upstream.reply(200, "{\"text\":\"" + "x".repeat(5_000) + "\"}"));
    upstream.enqueue(new MockResponse.Builder(Upstream.reply(200, "")).chunkedBody("y".repeat(5_000), 100).build());
    upstream.enqueue(Upstream.reply(400, "z".repeat(5_000)));
    // when
    ProviderException sized = failureOf(small.send(upstream.post(), OPTIONS, r -> r));
    ProviderException chunked = failureOf(small.send(upstream.post(), OPTIONS, r -> r));
    ProviderException error = failureOf(small.send(upstream.post(), OPTIONS, r -> r));
    // then
    assertThat(sized.kind()).isEqualTo(FailureKind.MALFORMED_RESPONSE);
    assertThat(sized.providerMessage()).contains("over 1000 bytes");
    assertThat(chunked.kind()).isEqualTo(FailureKind.MALFORMED_RESPONSE);
    assertThat(error.kind()).isEqualTo(FailureKind.BAD_REQUEST);
    assertThat(error.providerMessage()).startsWith("zzz").hasSizeLessThanOrEqualTo(501);
  }

  @Test
  void the_calls_timeout_is_a_timeout_and_closes_the_connection() throws Exception {
    try (HttpUpstream hanging = HttpUpstream.start()) {
      // given
      hanging.enqueueHang();
      // when
      long start = System.nanoTime();
      ProviderException failure = failureOf(http.send(upstream.post(hanging.url("/v1")),
          CallOptions.of(Duration.ofMillis(300), "r1"), r -> r));
      // then
      assertThat(failure.kind()).isEqualTo(FailureKind.TIMEOUT);
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
      assertThat(hanging.awaitHangingClosed(Duration.ofSeconds(5))).as("the server saw the connection closed").isTrue();
    }
  }

  @Test
  void cancelling_the_future_aborts_the_request_and_closes_its_connection() throws Exception {
    try (HttpUpstream hanging = HttpUpstream.start()) {
      // given
      hanging.enqueueHang();
      CompletableFuture<HttpReply> call = http.send(upstream.post(hanging.url("/v1")),
          CallOptions.of(Duration.ofMinutes(2), "r1"), r -> r);
      assertThat(hanging.awaitHangingRequest(Duration.ofSeconds(10))).as("the call reached the server").isTrue();
      // when
      call.cancel(true);
      // then
      assertThat(call).isCancelled();
      assertThat(hanging.awaitHangingClosed(Duration.ofSeconds(5))).as("the server saw the connection closed").isTrue();
    }
  }

  @Test
  void a_refused_connection_is_unavailable_and_a_stopped_client_fails_the_future_instead_of_throwing()
      throws Exception {
    // given: a port nobody listens on
    int port;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = socket.getLocalPort();
    }
    URI nobody = URI.create("http://127.0.0.1:" + port + "/v1");
    // when
    ProviderException refused = failureOf(http.send(upstream.post(nobody), OPTIONS, r -> r));
    var request = upstream.post();
    upstream.client.stop();
    ProviderException stopped = failureOf(http.send(request, OPTIONS, r -> r));
    // then
    assertThat(refused.kind()).isEqualTo(FailureKind.UNAVAILABLE);
    assertThat(refused.httpStatus()).isZero();
    assertThat(stopped.kind()).isEqualTo(FailureKind.UNAVAILABLE);
  }

  @Test
  void a_reply_that_is_not_http_is_malformed() throws Exception {
    try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      // given: a server answering a request with something that is not HTTP
      Thread thread = new Thread(() -> {
        try (Socket socket = server.accept(); InputStream in = socket.getInputStream();
            OutputStream out = socket.getOutputStream()) {
          in.read(new byte[4096]);
          out.write("HELLO THERE\r\nthis is not http\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
          out.flush();
          in.read(); // until the client closes
        } catch (IOException e) {
          // closed
        }
      });
      thread.setDaemon(true);
      thread.start();
      // when
      ProviderException failure = failureOf(http.send(
          upstream.post(URI.create("http://127.0.0.1:" + server.getLocalPort() + "/v1")), OPTIONS, r -> r));
      // then
      assertThat(failure.kind()).isEqualTo(FailureKind.MALFORMED_RESPONSE);
    }
  }

  @Test
  void the_request_keeps_what_the_adapter_set_and_gets_the_calls_timeout() throws Exception {
    // given
    upstream.enqueue(Upstream.reply(200, "{}"));
    var request = upstream.post().headers(h -> h.put(HttpHeader.ACCEPT, "application/json"));
    // when
    http.send(request, CallOptions.of(Duration.ofMillis(4_321), "r1"), r -> r).get(10, TimeUnit.SECONDS);
    // then
    assertThat(request.getTimeout()).isEqualTo(4_321);
    assertThat(upstream.server.takeRequest().getHeaders().get("Accept")).isEqualTo("application/json");
  }

  @Test
  void settings_are_checked_and_copies() {
    // when / then
    assertThatThrownBy(() -> HttpCalls.create().maxBytes(0)).isInstanceOf(IllegalArgumentException.class);
    HttpCalls base = HttpCalls.create();
    assertThat(base.maxBytes(10)).isNotSameAs(base);
    assertThat(base.redacting(" ")).isSameAs(base);
    assertThat(base.maxBytes()).isEqualTo(HttpCalls.DEFAULT_MAX_BYTES);
  }

  static ProviderException failureOf(CompletableFuture<?> future) throws Exception {
    try {
      Object value = future.get(10, TimeUnit.SECONDS);
      throw new AssertionError("expected a failure, got " + value);
    } catch (ExecutionException e) {
      assertThat(e.getCause()).isInstanceOf(ProviderException.class);
      return (ProviderException) e.getCause();
    } catch (CancellationException e) {
      throw new AssertionError("cancelled", e);
    }
  }
}
