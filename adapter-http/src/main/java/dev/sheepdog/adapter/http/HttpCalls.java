package dev.sheepdog.adapter.http;

import dev.sheepdog.spi.CallOptions;
import dev.sheepdog.spi.ChatProvider;
import dev.sheepdog.spi.StreamHandle;
import dev.sheepdog.spi.StreamListener;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.client.Request;

/**
 * The HTTP half of a {@link ChatProvider} on Jetty 12's {@code HttpClient}, written once: an
 * adapter builds its request (URL, headers, JSON body, the read timeout as the request's idle
 * timeout) and reads its upstream's JSON; this class sends the request and keeps the rest of the
 * contract.
 *
 * <pre>{@code
 * private static final HttpCalls HTTP = HttpCalls.create().errors(body -> ERROR_JSON.fromJson(body).error());
 *
 * public CompletableFuture<ChatResponse> complete(ModelSpec model, ChatRequest chat, CallOptions options) {
 *   return HTTP.send(post(model, chat, false), options, reply -> answer(model, reply.body()));
 * }
 *
 * public StreamHandle stream(ModelSpec model, ChatRequest chat, CallOptions options, StreamListener listener) {
 *   return HTTP.streamLines(post(model, chat, true), options, listener, (line, out) -> {
 *     Piece piece = PIECE_JSON.fromJson(line);
 *     if (piece.usage() != null) out.end(usageChunk(model, piece)); else out.chunk(textChunk(model, piece));
 *   });
 * }
 * }</pre>
 *
 * <p>What it does for every call and stream:
 *
 * <ul>
 *   <li><b>Never blocks, never throws</b> (but on a {@code null} argument): the request goes to
 *       Jetty, whose pool calls back as bytes arrive; every failure, even a stopped client, arrives
 *       through the future or the listener.
 *   <li><b>{@link CallOptions#timeout()} is a {@code TIMEOUT}</b>: the whole call for {@link
 *       #send}; for {@link #streamLines} the wait for the first non-blank line (the router's own
 *       timer stops at the first chunk too). After it, the request's idle timeout guards each
 *       silence, also as a {@code TIMEOUT}.
 *   <li><b>Cancelling</b> the future or the handle aborts the exchange, which closes its
 *       connection: the upstream sees the call go. After {@link StreamHandle#cancel()} has
 *       returned, the listener hears nothing more.
 *   <li><b>Bounded</b>: a reply's body, an error's body and a stream's line are read up to {@link
 *       #maxBytes(int)}; a 2xx body or a line past it is {@code MALFORMED_RESPONSE}.
 *   <li><b>Classified</b>: a status outside 2xx by {@link dev.sheepdog.spi.HttpFailures#of} (the
 *       table every HTTP adapter shares) with {@code Retry-After} and the upstream's message, which
 *       the {@link ErrorReader} finds in the error's body (read whole, up to the bound); a timeout
 *       {@code TIMEOUT}; a refused or broken connection {@code UNAVAILABLE}; a reply that is not
 *       HTTP, or that the adapter's reader or line handler cannot read, {@code MALFORMED_RESPONSE}.
 *   <li><b>One end per stream</b>: {@code onComplete} only once the {@link LineHandler} saw the
 *       upstream's end marker; otherwise exactly one {@code onError}; nothing after either.
 *   <li><b>No key in a message</b>: the credentials of the request's {@code Authorization} and
 *       {@code Proxy-Authorization} headers, and every secret given to {@link #redacting}, are
 *       masked as {@code [redacted]} in each failure's message; a cause whose message holds one
 *       is dropped.
 * </ul>
 *
 * <p>What stays the adapter's: the request (and a started client, which it never stops), its
 * upstream's JSON, the {@code ChatResponse} and chunks it makes of it, and the end marker of its
 * streams.
 *
 * <p>Instances are immutable and thread-safe: one, often a constant, serves every call of a
 * provider; {@link #errors}, {@link #maxBytes(int)} and {@link #redacting} return a changed copy.
 */
public final class HttpCalls {
  /** The default of {@link #maxBytes(int)}: 1 MiB. */
  public static final int DEFAULT_MAX_BYTES = 1 << 20;

  private final ErrorReader errors;
  private final int maxBytes;
  private final List<String> secrets;

  private HttpCalls(ErrorReader errors, int maxBytes, List<String> secrets) {
    this.errors = errors;
    this.maxBytes = maxBytes;
    this.secrets = secrets;
  }

  /** Error bodies read as their message ({@link ErrorReader#BODY}), bodies and lines up to 1 MiB. */
  public static HttpCalls create() {
    return new HttpCalls(ErrorReader.BODY, DEFAULT_MAX_BYTES, List.of());
  }

  /** A copy that finds the upstream's message in an error body with {@code errors}. */
  public HttpCalls errors(ErrorReader errors) {
    return new HttpCalls(Objects.requireNonNull(errors, "errors"), maxBytes, secrets);
  }

  /**
   * A copy that reads at most {@code maxBytes} of a reply's body, of an error's body, and of a
   * stream's line.
   */
  public HttpCalls maxBytes(int maxBytes) {
    if (maxBytes <= 0) {
      throw new IllegalArgumentException("maxBytes must be positive, was " + maxBytes);
    }
    return new HttpCalls(errors, maxBytes, secrets);
  }

  /**
   * A copy that masks {@code secret} in every failure's message too: for a key sent elsewhere than
   * in {@code Authorization} (an {@code X-Api-Key} header, a query parameter). Blank ones are
   * ignored.
   */
  public HttpCalls redacting(String secret) {
    if (secret == null || secret.isBlank()) {
      return this;
    }
    List<String> more = new ArrayList<>(secrets);
    more.add(secret);
    return new HttpCalls(errors, maxBytes, List.copyOf(more));
  }

  /**
   * Sends {@code request} and reads its whole reply: a 2xx reply is given to {@code reader}, whose
   * result completes the future; anything else fails it with a classified {@link
   * dev.sheepdog.spi.ProviderException} (see the class's description). Sets the request's total
   * timeout to {@code options.timeout()}. Cancelling the returned future aborts the request.
   *
   * @param request a request of a started client, not sent yet; its idle timeout is the read
   *     timeout
   */
  public <T> CompletableFuture<T> send(Request request, CallOptions options, ReplyReader<T> reader) {
    Objects.requireNonNull(request, "request");
    Objects.requireNonNull(options, "options");
    Objects.requireNonNull(reader, "reader");
    CompletableFuture<T> answer = new CompletableFuture<>();
    ReplyCall<T> call = new ReplyCall<>(request, reader, answer, this, Redactor.of(secrets, request));
    // however the answer completes (cancelled by the caller, or done), the exchange is over
    answer.whenComplete((value, failure) -> request.abort(ReplyCall.abandoned()));
    try {
      request.timeout(options.timeout().toMillis(), TimeUnit.MILLISECONDS).send(call);
    } catch (RuntimeException notSent) {
      call.notSent(notSent);
    }
    return answer;
  }

  /**
   * Sends {@code request} and reads a 2xx reply's body line by line as it arrives, giving each
   * non-blank line to {@code lines}, whose chunks reach {@code listener}; the stream completes when
   * {@code lines} signals the end ({@link LineHandler.Sink#end()}). An error status, a failure, or
   * a body that ends without the end marker ends it with one classified {@code onError} instead.
   * {@code options.timeout()} bounds the wait for the first non-blank line.
   *
   * @param request a request of a started client, not sent yet; its idle timeout is the read
   *     timeout, which guards each silence once the first line has come
   * @return the handle that cancels the stream: it aborts the exchange, and once {@code cancel()}
   *     has returned the listener hears nothing more
   */
  public StreamHandle streamLines(Request request, CallOptions options, StreamListener listener, LineHandler lines) {
    Objects.requireNonNull(request, "request");
    Objects.requireNonNull(options, "options");
    Objects.requireNonNull(listener, "listener");
    Objects.requireNonNull(lines, "lines");
    LineStream stream = new LineStream(request, listener, lines, this, Redactor.of(secrets, request));
    stream.start(options.timeout());
    return stream;
  }

  ErrorReader errors() {
    return errors;
  }

  int maxBytes() {
    return maxBytes;
  }

  @Override
  public String toString() {
    return "HttpCalls[maxBytes=" + maxBytes + ", secrets=" + secrets.size() + "]";
  }
}
