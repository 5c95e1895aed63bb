package dev.sheepdog.testkit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A minimal HTTP/1.1 server on a random local port, for testing an adapter against a real socket
 * with nothing but the JDK: each request gets the next reply queued, whatever its path; a {@linkplain
 * #enqueueHang() hanging} reply sends nothing and records when the client closes the connection —
 * the proof that cancelling a call reached the upstream.
 */
public final class HttpUpstream implements AutoCloseable {
  /** What the next request gets. {@code hang} sends nothing until the client closes. */
  public record Reply(int status, Map<String, String> headers, String body, boolean hang) {}

  private final ServerSocket server;
  private final BlockingQueue<Reply> replies = new LinkedBlockingQueue<>();
  private final Map<Socket, Boolean> open = new ConcurrentHashMap<>();
  private volatile CountDownLatch hangingClosed = new CountDownLatch(1);
  private volatile CountDownLatch hangingReceived = new CountDownLatch(1);
  private volatile boolean closed;

  private HttpUpstream(ServerSocket server) {
    this.server = server;
  }

  /** Starts a server on a random port of the loopback address. */
  public static HttpUpstream start() {
    try {
      HttpUpstream upstream = new HttpUpstream(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()));
      Thread acceptor = new Thread(upstream::accept, "http-upstream-accept");
      acceptor.setDaemon(true);
      acceptor.start();
      return upstream;
    } catch (IOException e) {
      throw new IllegalStateException("cannot open a local server socket", e);
    }
  }

  /** {@code http://127.0.0.1:<port><path>}. */
  public URI url(String path) {
    return URI.create("http://127.0.0.1:" + server.getLocalPort() + path);
  }

  public void enqueue(int status, Map<String, String> headers, String body) {
    replies.add(new Reply(status, Map.copyOf(headers), body, false));
  }

  /** The next request gets no answer; its connection's close is awaited by {@link #awaitHangingClosed}. */
  public void enqueueHang() {
    hangingClosed = new CountDownLatch(1);
    hangingReceived = new CountDownLatch(1);
    replies.add(new Reply(0, Map.of(), "", true));
  }

  /** Whether the latest hanging request arrived within {@code within}. */
  public boolean awaitHangingRequest(Duration within) throws InterruptedException {
    return hangingReceived.await(within.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Whether the client closed the connection of the latest hanging request within {@code within}. */
  public boolean awaitHangingClosed(Duration within) throws InterruptedException {
    return hangingClosed.await(within.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void accept() {
    while (!closed) {
      try {
        Socket socket = server.accept();
        open.put(socket, Boolean.TRUE);
        Thread connection = new Thread(() -> serve(socket), "http-upstream-connection");
        connection.setDaemon(true);
        connection.start();
      } catch (IOException e) {
        return; // closed
      }
    }
  }

  private void serve(Socket socket) {
    try (socket; InputStream in = socket.getInputStream(); OutputStream out = socket.getOutputStream()) {
      while (!closed) {
        if (!readRequest(in)) {
          return;
        }
        Reply reply = replies.poll(30, TimeUnit.SECONDS);
        if (reply == null) {
          reply = new Reply(500, Map.of(), "no reply queued", false);
        }
        if (reply.hang()) {
          CountDownLatch latch = hangingClosed;
          hangingReceived.countDown();
          try {
            while (in.read() >= 0) {
              // the client may send nothing more; a read of -1 (or a reset) is its close
            }
          } catch (IOException e) {
            // reset: closed too
          }
          latch.countDown();
          return;
        }
        write(out, reply);
      }
    } catch (IOException | InterruptedException e) {
      // the connection ended
    } finally {
      open.remove(socket);
    }
  }

  /** Reads one request (head and a Content-Length body); {@code false} at the end of the stream. */
  private static boolean readRequest(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int matched = 0;
    while (matched < 4) {
      int b = in.read();
      if (b < 0) {
        return false;
      }
      head.write(b);
      matched = (b == '\r' && (matched == 0 || matched == 2)) || (b == '\n' && (matched == 1 || matched == 3))
          ? matched + 1 : 0;
      if (head.size() > 64 * 1024) {
        throw new IOException("request head over 64 KiB");
      }
    }
    long length = 0;
    for (String line : head.toString(StandardCharsets.ISO_8859_1).split("\r\n")) {
      int colon = line.indexOf(':');
      if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase("content-length")) {
        length = Long.parseLong(line.substring(colon + 1).trim());
      }
    }
    in.skipNBytes(length);
    return true;
  }

  private static void write(OutputStream out, Reply reply) throws IOException {
    byte[] body = reply.body().getBytes(StandardCharsets.UTF_8);
    Map<String, String> headers = new LinkedHashMap<>(reply.headers());
    headers.put("Content-Length", Integer.toString(body.length));
    StringBuilder head = new StringBuilder("HTTP/1.1 ").append(reply.status()).append(' ')
        .append(reason(reply.status())).append("\r\n");
    headers.forEach((name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
    head.append("\r\n");
    out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
    out.write(body);
    out.flush();
  }

  private static String reason(int status) {
    return status < 300 ? "OK" : status < 500 ? "Client Error" : "Server Error";
  }

  @Override
  public void close() {
    closed = true;
    try {
      server.close();
    } catch (IOException e) {
      // closing anyway
    }
    for (Socket socket : open.keySet()) {
      try {
        socket.close();
      } catch (IOException e) {
        // closing anyway
      }
    }
  }

  @Override
  public String toString() {
    return "HttpUpstream[" + url("").toString().toLowerCase(Locale.ROOT) + "]";
  }
}
