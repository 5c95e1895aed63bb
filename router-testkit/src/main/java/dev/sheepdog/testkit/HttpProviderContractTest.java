package dev.sheepdog.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sheepdog.spi.CallOptions;
import dev.sheepdog.spi.ChatProvider;
import dev.sheepdog.spi.ChatRequest;
import dev.sheepdog.spi.FailureKind;
import dev.sheepdog.spi.ModelSpec;
import dev.sheepdog.spi.ProviderException;
import dev.sheepdog.spi.StreamHandle;
import dev.sheepdog.spi.StreamListener;
import java.net.URI;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The part of the provider contract only an HTTP adapter can be held to, checked against this
 * test's own local server ({@link HttpUpstream}), so that no adapter's own test double decides:
 * the status → failure-kind table, a 400's message kept, {@code Retry-After} in seconds and as an
 * HTTP date, a 429 without it, and cancellation reaching the upstream (the server sees the
 * connection closed). Extend it next to {@link ChatProviderContractTest}:
 *
 * <pre>{@code
 * class MyHttpContractTest extends HttpProviderContractTest {
 *   protected ChatProvider provider(URI baseUrl) { return MyProvider.builder().baseUrl(baseUrl).build(); }
 *   protected ModelSpec model() { ... }
 * }
 * }</pre>
 *
 * <p>Every request gets the reply queued, whatever its path. {@link #errorBody} is the error
 * document of an OpenAI-compatible server; a provider with another error shape overrides it.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
public abstract class HttpProviderContractTest {
  /** How long to wait for anything the provider should do promptly. */
  protected static final Duration PATIENCE = Duration.ofSeconds(10);

  /**
   * The timeout of a call the cancellation checks cancel: far longer than they wait for the close,
   * so that only the cancel can have closed the connection, not the call's own timeout.
   */
  protected static final Duration LONG_CALL = Duration.ofMinutes(2);

  /** How long the upstream may take to see a cancelled call's connection closed. */
  protected static final Duration CLOSE_WITHIN = Duration.ofSeconds(5);

  /** The server the provider is pointed at; fresh for every test. */
  protected final HttpUpstream upstream = HttpUpstream.start();

  /** A provider sending its calls to {@code baseUrl} (this test's server; any path is served). */
  protected abstract ChatProvider provider(URI baseUrl);

  /** A model the provider serves. */
  protected abstract ModelSpec model();

  /** The base URL handed to {@link #provider(URI)}. */
  protected URI baseUrl() {
    return upstream.url("/v1");
  }

  /** The body of an error reply with this status and message, as the upstream sends it. */
  protected String errorBody(int status, String message) {
    return "{\"error\":{\"message\":\"" + message + "\",\"type\":\"error_" + status + "\",\"code\":null}}";
  }

  protected ChatRequest request() {
    return ChatRequest.ofUser("Say hello.");
  }

  @AfterEach
  void closeUpstream() {
    upstream.close();
  }

  @ParameterizedTest(name = "{0} → {1}")
  @CsvSource({
      "400, BAD_REQUEST",
      "401, UNAUTHORIZED",
      "403, UNAUTHORIZED",
      "408, UNAVAILABLE|TIMEOUT",
      "413, BAD_REQUEST|CONTEXT_TOO_LONG",
      "429, RATE_LIMITED",
      "500, UNAVAILABLE",
      "502, UNAVAILABLE",
      "503, UNAVAILABLE",
      "504, UNAVAILABLE|TIMEOUT"})
  public void classifies_each_status(int status, String kinds) throws Exception {
    // given
    upstream.enqueue(status, Map.of("Content-Type", "application/json"), errorBody(status, "status " + status));
    // when
    ProviderException failure = ChatProviderContractTest.failureOf(complete());
    // then
    Set<FailureKind> allowed = Set.of(kinds.split("\\|")).stream().map(FailureKind::valueOf)
        .collect(java.util.stream.Collectors.toSet());
    assertThat(failure.kind()).as("the kind of a %d", status).isIn(allowed);
  }

  @Test
  public void a_bad_requests_message_is_kept() throws Exception {
    // given
    upstream.enqueue(400, Map.of("Content-Type", "application/json"),
        errorBody(400, "messages[0].role must be one of system, user, assistant"));
    // when
    ProviderException failure = ChatProviderContractTest.failureOf(complete());
    // then
    assertThat(failure.kind()).isEqualTo(FailureKind.BAD_REQUEST);
    assertThat(failure.providerMessage()).contains("messages[0].role must be one of system, user, assistant");
  }

  @Test
  public void retry_after_in_seconds_is_read() throws Exception {
    // given
    upstream.enqueue(429, Map.of("Content-Type", "application/json", "Retry-After", "7"),
        errorBody(429, "slow down"));
    // when
    ProviderException failure = ChatProviderContractTest.failureOf(complete());
    // then
    assertThat(failure.kind()).isEqualTo(FailureKind.RATE_LIMITED);
    assertThat(failure.retryAfter()).hasValue(Duration.ofSeconds(7));
  }

  @Test
  public void retry_after_as_an_http_date_is_read() throws Exception {
    // given a date 20 s from now (a second's precision, and the time the call takes)
    String in20s = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(ZoneOffset.UTC).plusSeconds(20));
    upstream.enqueue(429, Map.of("Content-Type", "application/json", "Retry-After", in20s),
        errorBody(429, "slow down"));
    // when
    ProviderException failure = ChatProviderContractTest.failureOf(complete());
    // then
    assertThat(failure.kind()).isEqualTo(FailureKind.RATE_LIMITED);
    assertThat(failure.retryAfter()).hasValueSatisfying(wait ->
        assertThat(wait).isBetween(Duration.ofSeconds(15), Duration.ofSeconds(21)));
  }

  @Test
  public void a_429_without_retry_after_is_still_rate_limited() throws Exception {
    // given
    upstream.enqueue(429, Map.of("Content-Type", "application/json"), errorBody(429, "slow down"));
    // when
    ProviderException failure = ChatProviderContractTest.failureOf(complete());
    // then
    assertThat(failure.kind()).isEqualTo(FailureKind.RATE_LIMITED);
    failure.retryAfter().ifPresent(wait -> assertThat(wait).isPositive());
  }

  @Test
  public void cancelling_a_call_closes_its_connection_to_the_upstream() throws Exception {
    // given
    upstream.enqueueHang();
    CompletableFuture<?> call = complete(LONG_CALL);
    assertThat(upstream.awaitHangingRequest(PATIENCE)).as("the call reached the upstream").isTrue();
    // when
    call.cancel(true);
    // then the server sees its connection closed
    assertThat(upstream.awaitHangingClosed(CLOSE_WITHIN)).as("the upstream saw the call's connection closed")
        .isTrue();
  }

  @Test
  public void cancelling_a_stream_closes_its_connection_to_the_upstream() throws Exception {
    // given
    upstream.enqueueHang();
    StreamHandle stream;
    try {
      stream = provider(baseUrl()).stream(model(), request().withStream(true), CallOptions.of(LONG_CALL, "contract"),
          new StreamListener() {
            @Override
            public void onChunk(dev.sheepdog.spi.ChatChunk chunk) {}

            @Override
            public void onComplete() {}

            @Override
            public void onError(ProviderException failure) {}
          });
    } catch (RuntimeException e) {
      throw new AssertionError("stream(...) threw " + e, e);
    }
    assertThat(upstream.awaitHangingRequest(PATIENCE)).as("the stream's request reached the upstream").isTrue();
    // when
    stream.cancel();
    // then
    assertThat(upstream.awaitHangingClosed(CLOSE_WITHIN)).as("the upstream saw the stream's connection closed")
        .isTrue();
  }

  private CompletableFuture<?> complete() {
    return complete(PATIENCE);
  }

  private CompletableFuture<?> complete(Duration timeout) {
    try {
      return provider(baseUrl()).complete(model(), request(), CallOptions.of(timeout, "contract"));
    } catch (RuntimeException e) {
      throw new AssertionError("complete(...) threw " + e + "; failures must complete the future", e);
    }
  }

}
