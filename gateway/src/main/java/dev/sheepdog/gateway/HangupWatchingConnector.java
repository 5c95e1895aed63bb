package dev.sheepdog.gateway;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.ManagedSelector;
import org.eclipse.jetty.io.SocketChannelEndPoint;
import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;

/**
 * A connector whose connections notice a client hanging up while its request waits on an upstream.
 *
 * <p>Jetty reads an HTTP/1.1 connection only while it parses a request: once the handler has the
 * whole body, nothing reads the socket until the response is done, so a client that closes its
 * connection during a 30 s LLM call goes unnoticed and the call runs, and is billed, to its end.
 * nginx solves the same problem by peeking at the socket when it turns readable; Java has no peek,
 * so a {@link HangupWatch} reads instead, and keeps what it read for the connection's next {@link
 * EndPoint#fill}: end of stream means the client is gone; bytes are a pipelined next request,
 * handed back unchanged (at most {@link #MAX_PUSHBACK} of them; past that the watch stops).
 *
 * <p><b>Concurrency.</b> Jetty allows one fill interest per endpoint. The watch holds it while the
 * request is handled; when the connection asks for one itself (after the response), the watch
 * hands its registration over ({@code HANDED}) and forwards the event. Reads of the watch and of
 * the connection happen under the endpoint's lock, so bytes keep their order. The watch's states:
 * {@code ARMED} (registered, will read), {@code FIRING} (reading now), {@code RETIRING} (registered,
 * will not read: its exchange has ended), {@code HANDED} (registered on the connection's behalf),
 * {@code DONE} (not registered). The exchange retires the watch when it issues its last write
 * (from then on a client closing its connection has its whole answer, and there is nothing left to
 * cancel), and at the latest when it ends, before Jetty completes the response, so the connection
 * never asks for a fill interest while a watch may still read.
 */
final class HangupWatchingConnector extends ServerConnector {
  static final int MAX_PUSHBACK = 16 * 1024;

  HangupWatchingConnector(Server server, ConnectionFactory factory) {
    super(server, factory);
  }

  @Override
  protected SocketChannelEndPoint newEndPoint(SocketChannel channel, ManagedSelector selector, SelectionKey key) {
    WatchableEndPoint endPoint = new WatchableEndPoint(channel, selector, key, this, getExecutor());
    endPoint.setIdleTimeout(getIdleTimeout());
    return endPoint;
  }

  /** Watches {@code endPoint} for its client hanging up; {@code null} when it is not of this connector. */
  static HangupWatch watch(EndPoint endPoint, Runnable onHangup) {
    return endPoint instanceof WatchableEndPoint watchable ? watchable.watch(onHangup) : null;
  }

  /** An endpoint that can lend its fill interest to a {@link HangupWatch} and take back what it read. */
  static final class WatchableEndPoint extends SocketChannelEndPoint {
    private final Executor executor;
    /** Bytes a watch read ahead of the connection; guarded by {@code this}. */
    private ByteBuffer pushback = BufferUtil.EMPTY_BUFFER;
    private volatile HangupWatch watch;

    WatchableEndPoint(SocketChannel channel, ManagedSelector selector, SelectionKey key, ServerConnector connector,
        Executor executor) {
      super(channel, selector, key, connector.getScheduler());
      this.executor = executor;
    }

    HangupWatch watch(Runnable onHangup) {
      HangupWatch created = new HangupWatch(this, onHangup);
      if (!super.tryFillInterested(created)) {
        return null; // the connection is reading after all (a body still arriving): nothing to watch
      }
      watch = created;
      return created;
    }

    @Override
    public int fill(ByteBuffer buffer) throws IOException {
      synchronized (this) {
        if (pushback.hasRemaining()) {
          int pos = BufferUtil.flipToFill(buffer);
          int moved = Math.min(pushback.remaining(), buffer.remaining());
          ByteBuffer slice = pushback.slice();
          slice.limit(moved);
          buffer.put(slice);
          pushback.position(pushback.position() + moved);
          BufferUtil.flipToFlush(buffer, pos);
          return moved;
        }
        return super.fill(buffer);
      }
    }

    /** Reads into the pushback for a watch; the end of stream as -1. */
    synchronized int readAhead() throws IOException {
      if (pushback.remaining() >= MAX_PUSHBACK) {
        return 0;
      }
      ByteBuffer more = BufferUtil.allocate(MAX_PUSHBACK - pushback.remaining());
      int read = super.fill(more);
      if (read > 0) {
        ByteBuffer joined = BufferUtil.allocate(pushback.remaining() + more.remaining());
        BufferUtil.append(joined, pushback);
        BufferUtil.append(joined, more);
        pushback = joined;
      }
      return read;
    }

    synchronized boolean hasPushback() {
      return pushback.hasRemaining();
    }

    @Override
    public void fillInterested(Callback callback) {
      if (!lend(callback)) {
        super.fillInterested(callback);
      }
    }

    @Override
    public boolean tryFillInterested(Callback callback) {
      return lend(callback) || super.tryFillInterested(callback);
    }

    /** A watch's own registration is not a read the connection has pending (Jetty aborts on one). */
    @Override
    public boolean isFillInterested() {
      HangupWatch current = watch;
      return (current == null || !current.registeredForItself()) && super.isFillInterested();
    }

    /** Serves a fill interest from what a watch holds: bytes read ahead, or its registration. */
    private boolean lend(Callback callback) {
      if (hasPushback()) {
        executor.execute(callback::succeeded);
        return true;
      }
      HangupWatch current = watch;
      return current != null && current.handOver(callback);
    }

    /** Registers the connection's own callback, past any watch. */
    void register(Callback callback) {
      super.fillInterested(callback);
    }

    /** The registration of a watch that fired, for when it wants to wait again. */
    boolean rearm(HangupWatch watch) {
      return super.tryFillInterested(watch);
    }
  }

  /** One watch over one exchange; see the class comment for its states. */
  static final class HangupWatch implements Callback {
    private static final Object ARMED = "ARMED";
    private static final Object FIRING = "FIRING";
    private static final Object FIRING_RETIRED = "FIRING_RETIRED";
    private static final Object RETIRING = "RETIRING";
    private static final Object DONE = "DONE";

    private final WatchableEndPoint endPoint;
    private final Runnable onHangup;
    /** One of the markers above, or the connection's callback once handed over. */
    private final AtomicReference<Object> state = new AtomicReference<>(ARMED);

    HangupWatch(WatchableEndPoint endPoint, Runnable onHangup) {
      this.endPoint = endPoint;
      this.onHangup = onHangup;
    }

    /** The exchange has ended: the watch reads no more, and gives its registration to the connection. */
    void retire() {
      while (true) {
        Object current = state.get();
        if (current == ARMED && state.compareAndSet(ARMED, RETIRING)
            || current == FIRING && state.compareAndSet(FIRING, FIRING_RETIRED)
            || current != ARMED && current != FIRING) {
          return;
        }
      }
    }

    /** Whether the endpoint's fill interest is this watch's own, not one handed to it. */
    boolean registeredForItself() {
      Object current = state.get();
      return current == ARMED || current == RETIRING;
    }

    boolean handOver(Callback callback) {
      while (true) {
        Object current = state.get();
        if (current == ARMED || current == RETIRING) {
          if (state.compareAndSet(current, callback)) {
            return true;
          }
        } else {
          return false;
        }
      }
    }

    @Override
    public void succeeded() {
      if (!state.compareAndSet(ARMED, FIRING)) {
        // retired (nothing to do) or handed over (the connection's event)
        Object current = state.getAndSet(DONE);
        if (current instanceof Callback handed) {
          handed.succeeded();
        }
        return;
      }
      int read;
      try {
        read = endPoint.readAhead();
      } catch (IOException e) {
        read = -1;
      }
      if (read < 0) {
        // retired while reading: the last write was issued, so the client closing is the end, not a hang-up
        if (state.getAndSet(DONE) == FIRING) {
          onHangup.run();
        }
        return;
      }
      boolean full = read == 0 && endPoint.hasPushback();
      // the exchange may have ended while reading (FIRING_RETIRED): then, or with a full pushback, stop
      if (full || !state.compareAndSet(FIRING, ARMED)) {
        state.set(DONE);
      } else if (!endPoint.rearm(this)) {
        // could not wait again: a connection that was handed this registration registers itself
        Object current = state.getAndSet(DONE);
        if (current instanceof Callback handed) {
          endPoint.register(handed);
        }
      }
    }

    @Override
    public void failed(Throwable failure) {
      Object current = state.getAndSet(DONE);
      if (current instanceof Callback handed) {
        handed.failed(failure);
      } else if (current == ARMED && !(failure instanceof java.util.concurrent.TimeoutException)) {
        // the endpoint closed under the request: the client is gone
        onHangup.run();
      }
    }

    @Override
    public InvocationType getInvocationType() {
      // a hang-up cancels an upstream call and ends an exchange: not for the selector thread
      return InvocationType.BLOCKING;
    }
  }
}
