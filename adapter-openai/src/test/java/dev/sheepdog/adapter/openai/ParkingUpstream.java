package dev.sheepdog.adapter.openai;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sheepdog.spi.Usage;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http2.server.HTTP2CServerConnectionFactory;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * A small Jetty server playing an OpenAI-compatible upstream that holds every call it receives
 * until the test answers them: no thread waits per held call, so it can hold thousands. A held
 * stream has its headers and first event sent already. It counts the connections its clients
 * close, which is how a cancelled call shows upstream.
 *
 * <p>A server that only waits does not see its client go (an HTTP/1.1 server reads nothing while
 * it handles a request); one that keeps writing, as an upstream streaming tokens does, sees it on
 * its next write. With {@code heartbeat}, a held call gets its headers at once and a byte of
 * whitespace (JSON) or a comment (event stream) every 20 ms, from a scheduler.
 */
final class ParkingUpstream implements AutoCloseable {
  private final Server server;
  private final ServerConnector connector;
  private final Queue<Held> held = new ConcurrentLinkedQueue<>();
  final AtomicInteger received = new AtomicInteger();
  final AtomicInteger closedConnections = new AtomicInteger();
  final AtomicInteger openedConnections = new AtomicInteger();
  final List<String> protocols = new java.util.concurrent.CopyOnWriteArrayList<>();

  private final ScheduledExecutorService heartbeats = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread thread = new Thread(r, "parking-upstream-heartbeat");
    thread.setDaemon(true);
    return thread;
  });

  private record Held(Response response, Callback callback, boolean stream) {}

  /** On plain HTTP/1.1 and (prior-knowledge) h2c, its pool bounded to {@code maxThreads}. */
  ParkingUpstream(int maxThreads) {
    this(maxThreads, false);
  }

  ParkingUpstream(int maxThreads, boolean heartbeat) {
    QueuedThreadPool threads = new QueuedThreadPool(maxThreads, 2);
    threads.setName("parking-upstream");
    threads.setDaemon(true);
    server = new Server(threads);
    HttpConfiguration http = new HttpConfiguration();
    connector = new ServerConnector(server, 1, 1, new HttpConnectionFactory(http), new HTTP2CServerConnectionFactory(http));
    connector.setHost("127.0.0.1");
    connector.setPort(0);
    connector.setAcceptQueueSize(4096);
    connector.setIdleTimeout(Duration.ofMinutes(2).toMillis());
    connector.addBean(new Connection.Listener() {
      @Override
      public void onOpened(Connection connection) {
        openedConnections.incrementAndGet();
      }

      @Override
      public void onClosed(Connection connection) {
        closedConnections.incrementAndGet();
      }
    });
    server.addConnector(connector);
    server.setHandler(new Handler.Abstract() {
      @Override
      public boolean handle(Request request, Response response, Callback callback) {
        protocols.add(request.getConnectionMetaData().getProtocol());
        Content.Source.asStringAsync(request, StandardCharsets.UTF_8).whenComplete((body, failure) -> {
          boolean stream = body != null && body.contains("\"stream\":true");
          if (stream) {
            response.setStatus(200);
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/event-stream");
            String first = "data: " + Upstream.chunk("first", null) + "\n\n";
            Content.Sink.write(response, false, first, Callback.NOOP);
          } else if (heartbeat) {
            response.setStatus(200);
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
          }
          if (heartbeat) {
            beat(response, callback, stream ? ": ping\n\n" : " ");
          }
          held.add(new Held(response, callback, stream));
          received.incrementAndGet();
        });
        return true;
      }
    });
    try {
      server.start();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** Writes {@code text} every 20 ms until a write fails: then the call is over for the server too. */
  private void beat(Response response, Callback call, String text) {
    AtomicBoolean writing = new AtomicBoolean();
    AtomicReference<ScheduledFuture<?>> task = new AtomicReference<>();
    task.set(heartbeats.scheduleAtFixedRate(() -> {
      if (writing.compareAndSet(false, true)) {
        Content.Sink.write(response, false, text, Callback.from(() -> writing.set(false), failure -> {
          task.get().cancel(false);
          call.failed(failure);
        }));
      }
    }, 0, 20, TimeUnit.MILLISECONDS));
  }

  String baseUrl() {
    return "http://127.0.0.1:" + connector.getLocalPort() + "/v1";
  }

  /** Waits, spinning, until {@code count} calls are held; the test's own timeout bounds it. */
  void awaitReceived(int count, Duration patience) {
    long deadline = System.nanoTime() + patience.toNanos();
    while (received.get() < count && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
    assertThat(received.get()).as("calls held by the upstream").isGreaterThanOrEqualTo(count);
  }

  /** Waits, spinning, until a client has closed a connection. */
  void awaitClosedConnection(Duration patience) {
    long deadline = System.nanoTime() + patience.toNanos();
    while (closedConnections.get() == 0 && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
    assertThat(closedConnections.get()).as("connections the client closed, of %s opened", openedConnections.get()).isPositive();
  }

  /** Answers every held call: JSON calls with an answer, streams with their end. */
  int answerAll() {
    int answered = 0;
    for (Held call = held.poll(); call != null; call = held.poll()) {
      answered++;
      if (call.stream()) {
        String rest = "data: " + Upstream.chunk(null, "stop") + "\n\ndata: " + Upstream.usageChunk(new Usage(3, 2))
            + "\n\ndata: [DONE]\n\n";
        Content.Sink.write(call.response(), true, rest, call.callback());
      } else {
        call.response().setStatus(200);
        call.response().getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        Content.Sink.write(call.response(), true, Upstream.answer("held", new Usage(3, 2)), call.callback());
      }
    }
    return answered;
  }

  @Override
  public void close() {
    heartbeats.shutdownNow();
    try {
      server.stop();
    } catch (Exception e) {
      // its threads are daemons
    }
  }
}
