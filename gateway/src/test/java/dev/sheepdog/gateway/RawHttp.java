package dev.sheepdog.gateway;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * HTTP/1.1 by hand over a socket, for what a well-behaved client cannot send: malformed request
 * lines and headers, conflicting lengths, bad chunks, trickled bytes, and connections that never
 * read. One request per connection; the answer is read until the server closes or its length is in.
 */
final class RawHttp implements AutoCloseable {
  final Socket socket = new Socket();
  private final OutputStream out;
  private final InputStream in;

  /** A connection to {@code base}; {@code receiveBuffer} bytes of kernel buffer, or 0 for the default. */
  RawHttp(URI base, int receiveBuffer) {
    try {
      if (receiveBuffer > 0) {
        socket.setReceiveBufferSize(receiveBuffer);
      }
      socket.connect(new InetSocketAddress(base.getHost(), base.getPort()), 5_000);
      socket.setSoTimeout(20_000);
      out = socket.getOutputStream();
      in = socket.getInputStream();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  RawHttp(URI base) {
    this(base, 0);
  }

  /**
   * Sends bytes as they are, as far as the server takes them: a server may answer (a 413, say) and
   * close before a large request is written whole, and the answer is what a test reads next.
   */
  RawHttp sendWhatIsTaken(byte[] bytes) {
    try {
      out.write(bytes);
      out.flush();
    } catch (IOException e) {
      // the server stopped reading; its answer, if any, waits in the socket
    }
    return this;
  }

  /** Sends bytes as they are. */
  RawHttp send(byte[] bytes) {
    try {
      out.write(bytes);
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return this;
  }

  RawHttp send(String text) {
    return send(text.getBytes(StandardCharsets.ISO_8859_1));
  }

  /** Whether sending one more byte fails (the server closed); bytes may be buffered at first. */
  boolean sendFails(byte b) {
    try {
      out.write(b);
      out.flush();
      return false;
    } catch (IOException e) {
      return true;
    }
  }

  /** The response to the request sent, read with {@code timeoutMillis} between bytes. */
  Response read(int timeoutMillis) {
    try {
      socket.setSoTimeout(timeoutMillis);
      ByteArrayOutputStream raw = new ByteArrayOutputStream();
      int headerEnd = -1;
      byte[] buffer = new byte[8192];
      while (headerEnd < 0) {
        int n = in.read(buffer);
        if (n < 0) {
          break;
        }
        raw.write(buffer, 0, n);
        headerEnd = indexOf(raw.toByteArray(), "\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
      }
      byte[] all = raw.toByteArray();
      if (headerEnd < 0) {
        return new Response(0, Map.of(), new String(all, StandardCharsets.ISO_8859_1));
      }
      String head = new String(all, 0, headerEnd, StandardCharsets.ISO_8859_1);
      String[] lines = head.split("\r\n");
      int status = Integer.parseInt(lines[0].split(" ")[1]);
      Map<String, String> headers = new LinkedHashMap<>();
      for (int i = 1; i < lines.length; i++) {
        int colon = lines[i].indexOf(':');
        headers.put(lines[i].substring(0, colon).strip().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).strip());
      }
      ByteArrayOutputStream body = new ByteArrayOutputStream();
      body.write(all, headerEnd + 4, all.length - headerEnd - 4);
      long length = headers.containsKey("content-length") ? Long.parseLong(headers.get("content-length")) : -1;
      while (length < 0 || body.size() < length) {
        int n;
        try {
          n = in.read(buffer);
        } catch (SocketTimeoutException e) {
          break;
        }
        if (n < 0) {
          break;
        }
        body.write(buffer, 0, n);
      }
      return new Response(status, headers, body.toString(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Whether the server has closed the connection: a read sees the end within {@code timeoutMillis}. */
  boolean closedWithin(int timeoutMillis) {
    try {
      socket.setSoTimeout(timeoutMillis);
      byte[] buffer = new byte[8192];
      while (true) {
        if (in.read(buffer) < 0) {
          return true;
        }
      }
    } catch (SocketTimeoutException e) {
      return false;
    } catch (IOException e) {
      return true; // reset
    }
  }

  private static int indexOf(byte[] data, byte[] pattern) {
    outer:
    for (int i = 0; i + pattern.length <= data.length; i++) {
      for (int j = 0; j < pattern.length; j++) {
        if (data[i + j] != pattern[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException e) {
      // closing a test socket
    }
  }

  /** What came back; status 0 when the connection closed before a whole head arrived. */
  record Response(int status, Map<String, String> headers, String body) {
    String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }
  }

  /** A request with the given head lines (no final blank line) and a body sent with its length. */
  static String request(String method, String target, String host, Map<String, String> headers, String body) {
    StringBuilder text = new StringBuilder(method + " " + target + " HTTP/1.1\r\nHost: " + host + "\r\n");
    headers.forEach((name, value) -> text.append(name).append(": ").append(value).append("\r\n"));
    if (body != null) {
      text.append("Content-Length: ").append(body.getBytes(StandardCharsets.UTF_8).length).append("\r\n");
    }
    text.append("Connection: close\r\n\r\n");
    if (body != null) {
      text.append(new String(body.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1));
    }
    return text.toString();
  }
}
