package dev.sheepdog.adapter.http;

import dev.sheepdog.spi.ProviderException;
import java.nio.ByteBuffer;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.http.HttpFields;

/**
 * One call of {@link HttpCalls#send}: keeps the body up to the bound, then completes the answer
 * once, when Jetty reports the exchange complete (it does exactly once per request).
 */
final class ReplyCall<T> implements Response.Listener {
  private final Request request;
  private final ReplyReader<T> reader;
  private final CompletableFuture<T> answer;
  private final HttpCalls calls;
  private final Redactor redactor;
  private final Bytes body = new Bytes();
  private int status;
  private HttpFields headers;
  private boolean tooLarge;

  ReplyCall(Request request, ReplyReader<T> reader, CompletableFuture<T> answer, HttpCalls calls, Redactor redactor) {
    this.request = request;
    this.reader = reader;
    this.answer = answer;
    this.calls = calls;
    this.redactor = redactor;
  }

  static CancellationException abandoned() {
    return new CancellationException("the call was cancelled or is over");
  }

  @Override
  public synchronized void onHeaders(Response response) {
    status = response.getStatus();
    headers = response.getHeaders();
  }

  @Override
  public void onContent(Response response, ByteBuffer content) {
    synchronized (this) {
      if (tooLarge || body.appendUpTo(content, calls.maxBytes())) {
        return;
      }
      tooLarge = true; // an error's body is classified by its status with what was kept
    }
    request.abort(new CancellationException("a reply body over " + calls.maxBytes() + " bytes"));
  }

  @Override
  public void onComplete(Result result) {
    try {
      answer.complete(outcome(result));
    } catch (ProviderException failure) {
      answer.completeExceptionally(failure);
    }
  }

  private synchronized T outcome(Result result) {
    if (status != 0 && !Failures.isSuccess(status)) {
      throw Failures.ofReply(status, headers, body.text(), calls.errors(), redactor);
    }
    if (tooLarge) {
      throw Failures.malformed(status, "a reply body over " + calls.maxBytes() + " bytes", null, redactor);
    }
    if (result.isFailed()) {
      throw Failures.ofFailure(result.getFailure(), calls.errors(), redactor);
    }
    T value;
    try {
      value = reader.read(new HttpReply(status, headers, body.text()));
    } catch (Exception unreadable) {
      throw Failures.ofReader(unreadable, status, "a reply that could not be read", redactor);
    }
    if (value == null) {
      throw Failures.malformed(status, "a reply that holds no answer", null, redactor);
    }
    return value;
  }

  /** {@code send} itself threw (a client that cannot take the request). */
  void notSent(RuntimeException failure) {
    answer.completeExceptionally(Failures.ofFailure(failure, calls.errors(), redactor));
  }
}
