package com.example.acme;

import dev.sheepdog.spi.ChatChunk;
import dev.sheepdog.spi.Choice;
import dev.sheepdog.spi.FailureKind;
import dev.sheepdog.spi.ProviderException;
import dev.sheepdog.spi.StreamHandle;
import dev.sheepdog.spi.StreamListener;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * One streamed reply of Acme's, read as it arrives: a JSON document a line, the usage last. Jetty
 * calls {@code onComplete} once per request, so the listener hears one end; the lock keeps it
 * silent once {@link #cancel()} has returned.
 */
final class AcmeStream implements Response.Listener, StreamHandle {
  private final ByteArrayOutputStream line = new ByteArrayOutputStream();
  private final AcmeProvider provider;
  private final String model;
  private final StreamListener listener;
  private final Request request;
  private final Scheduler.Task firstLineDue;
  private boolean cancelled;
  private boolean sawUsage;

  /** Reads the reply to {@code request}; {@code firstLineDue} aborts it unless a line arrives first. */
  AcmeStream(AcmeProvider provider, String model, StreamListener listener, Request request,
      Scheduler.Task firstLineDue) {
    this.provider = provider;
    this.model = model;
    this.listener = listener;
    this.request = request;
    this.firstLineDue = firstLineDue;
  }

  @Override
  public synchronized void onContent(Response response, ByteBuffer bytes) {
    while (bytes.hasRemaining() && !cancelled && request.getAbortCause() == null) {
      byte b = bytes.get();
      if (b == '\n' && response.getStatus() == 200) {
        onLine(line.toString(StandardCharsets.UTF_8));
        line.reset();
      } else if (line.size() < AcmeProvider.MAX_REPLY) {
        line.write(b); // an error's body is kept whole, to read its message
      }
    }
  }

  private void onLine(String json) {
    if (json.isBlank()) {
      return; // a keep-alive
    }
    firstLineDue.cancel(); // from here on the read timeout guards each silence
    AcmeProvider.Reply reply = AcmeProvider.read(json);
    if (reply != null && reply.text() != null) {
      listener.onChunk(ChatChunk.ofText("acme", model, reply.text(), null));
    } else if (reply != null && reply.usage() != null) {
      sawUsage = true;
      List<Choice> stop = ChatChunk.ofText("acme", model, "", "stop").choices(); // Acme's end is its usage line
      listener.onChunk(new ChatChunk("acme", model, stop, reply.usage(), Map.of()));
    } else {
      request.abort(new ProviderException(FailureKind.MALFORMED_RESPONSE, 200, "not a line of Acme's"));
    }
  }

  @Override
  public synchronized void onComplete(Result result) {
    firstLineDue.cancel();
    if (cancelled) {
      return;
    }
    if (result.isSucceeded() && sawUsage) {
      listener.onComplete();
    } else { // an error reply, a broken or timed-out stream, a malformed line, or no usage line at the end
      String rest = line.toString(StandardCharsets.UTF_8);
      listener.onError(provider.failure(result.getResponse(), rest, result.getFailure()));
    }
  }

  @Override
  public void cancel() {
    synchronized (this) {
      cancelled = true;
    }
    request.abort(new CancellationException("the stream was cancelled"));
  }
}
