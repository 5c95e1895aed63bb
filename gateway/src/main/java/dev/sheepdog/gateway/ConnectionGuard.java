package dev.sheepdog.gateway;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bounds what a connection may cost before it has sent a whole request: how many connections are
 * served, and how long request headers may take to arrive.
 *
 * <p><b>Connections over the limit.</b> Each connection is counted when it opens. One that opens
 * while {@code max_connections} are already open is marked; its first request is answered 503
 * with {@code Retry-After} and {@code Connection: close}, and like every connection it must send
 * that request within the header timeout. (Jetty stops accepting altogether a little above the
 * limit, see {@link GatewayServer}, so the marked connections are a bounded band.)
 *
 * <p><b>Header timeout.</b> Jetty's idle timeout restarts with every byte, so a client sending its
 * headers one byte a second keeps a connection forever. Here a connection waits for a request
 * from the moment it opens, or since its previous response ended; a sweep every fraction of the
 * timeout closes, with a 408, each waiting connection that has been waiting longer than the header
 * timeout and either never sent a whole request or has received bytes of the next one. An idle
 * keep-alive connection (no byte since its last response) is left to the idle timeout.
 *
 * <p><b>Concurrency.</b> A connection's state moves WAITING → BUSY when the handler receives a
 * request, BUSY → WAITING when its exchange ends, and WAITING → CLOSING when the sweep times it
 * out, each by CAS on one reference, so a request whose headers complete as the sweep fires is
 * either handled (the sweep sees BUSY and leaves it) or refused by the handler (it sees CLOSING,
 * and the 408 written by the sweep is the only response). The wait start and the byte mark are
 * published before the state that makes them visible to the sweep.
 */
final class ConnectionGuard implements Connection.Listener {
  private static final Logger log = LoggerFactory.getLogger(ConnectionGuard.class);

  private final int maxConnections;
  private final long headerTimeoutNanos;
  private final LongSupplier nanoClock;
  private final Map<Connection, Tracked> connections = new ConcurrentHashMap<>();
  private final AtomicInteger open = new AtomicInteger();
  private volatile Scheduler.Task sweep;

  ConnectionGuard(int maxConnections, Duration headerTimeout, LongSupplier nanoClock) {
    this.maxConnections = maxConnections;
    this.headerTimeoutNanos = headerTimeout.toNanos();
    this.nanoClock = nanoClock;
  }

  /** Starts the sweep on {@code scheduler}, every quarter of the header timeout (between 50 ms and 1 s). */
  void start(Scheduler scheduler) {
    long every = Math.max(TimeUnit.MILLISECONDS.toNanos(50), Math.min(TimeUnit.SECONDS.toNanos(1),
        headerTimeoutNanos / 4));
    schedule(scheduler, every);
  }

  private void schedule(Scheduler scheduler, long everyNanos) {
    sweep = scheduler.schedule(() -> {
      try {
        sweep(nanoClock.getAsLong());
      } catch (RuntimeException e) {
        log.warn("The connection sweep failed: {}", e.toString());
      } finally {
        if (sweep != null) {
          schedule(scheduler, everyNanos);
        }
      }
    }, everyNanos, TimeUnit.NANOSECONDS);
  }

  void stop() {
    Scheduler.Task task = sweep;
    sweep = null;
    if (task != null) {
      task.cancel();
    }
  }

  @Override
  public void onOpened(Connection connection) {
    boolean over = open.incrementAndGet() > maxConnections;
    connections.put(connection, new Tracked(connection, nanoClock.getAsLong(), over));
  }

  @Override
  public void onClosed(Connection connection) {
    if (connections.remove(connection) != null) {
      open.decrementAndGet();
    }
  }

  /** Connections open now. */
  int openConnections() {
    return open.get();
  }

  /**
   * A request arrived on {@code connection}: returns its tracking (to pass to {@link #ended}), or
   * {@code null} when the connection is not tracked (another connector); throws {@link
   * ClosingException} when the sweep has already timed the connection out.
   */
  Tracked started(Connection connection) {
    Tracked tracked = connections.get(connection);
    if (tracked == null) {
      return null;
    }
    if (!tracked.state.compareAndSet(State.WAITING, State.BUSY)) {
      throw new ClosingException();
    }
    return tracked;
  }

  /** The exchange of a request from {@link #started} ended: the connection waits for the next one. */
  void ended(Tracked tracked) {
    if (tracked == null) {
      return;
    }
    tracked.servedOne = true;
    tracked.waitingSinceNanos = nanoClock.getAsLong();
    tracked.bytesMark = tracked.connection.getBytesIn();
    tracked.state.compareAndSet(State.BUSY, State.WAITING);
  }

  /** Whether the connection opened while the limit was reached. */
  static boolean overLimit(Tracked tracked) {
    return tracked != null && tracked.overLimit;
  }

  /** Times out every connection waiting too long for its request headers. */
  void sweep(long nowNanos) {
    for (Tracked tracked : connections.values()) {
      if (tracked.state.get() != State.WAITING || nowNanos - tracked.waitingSinceNanos < headerTimeoutNanos) {
        continue;
      }
      boolean receiving = !tracked.servedOne || tracked.connection.getBytesIn() > tracked.bytesMark;
      if (receiving && tracked.state.compareAndSet(State.WAITING, State.CLOSING)) {
        timeOut(tracked.connection.getEndPoint());
      }
    }
  }

  private static final byte[] REQUEST_TIMEOUT = ("HTTP/1.1 408 Request Timeout\r\n"
      + "Content-Type: application/json\r\n"
      + "Connection: close\r\n"
      + "Content-Length: " + body().length + "\r\n\r\n" + new String(body(), StandardCharsets.UTF_8))
      .getBytes(StandardCharsets.UTF_8);

  private static byte[] body() {
    return ApiError.requestTimeout("the request headers did not arrive in time").toJson()
        .getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Writes the 408 straight to the socket (no request exists to answer through) and closes it. The
   * connection is not writing: it has no request in flight, and its previous response has ended.
   */
  private static void timeOut(EndPoint endPoint) {
    try {
      endPoint.write(Callback.from(endPoint::close, failure -> endPoint.close()), ByteBuffer.wrap(REQUEST_TIMEOUT));
    } catch (RuntimeException e) {
      endPoint.close();
    }
  }

  enum State { WAITING, BUSY, CLOSING }

  /** One open connection. */
  static final class Tracked {
    final Connection connection;
    final boolean overLimit;
    final AtomicReference<State> state = new AtomicReference<>(State.WAITING);
    volatile long waitingSinceNanos;
    volatile long bytesMark;
    volatile boolean servedOne;

    Tracked(Connection connection, long openedNanos, boolean overLimit) {
      this.connection = connection;
      this.overLimit = overLimit;
      this.waitingSinceNanos = openedNanos;
    }
  }

  /** The connection is being closed for a header timeout; its request must not be handled. */
  static final class ClosingException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    ClosingException() {
      super("the connection timed out waiting for request headers", null, false, false);
    }
  }
}
