package dev.sheepdog.state.redis;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A real {@code redis-server} (Debian's package) on a random local port, for tests: started in a
 * temporary directory with persistence off, stopped and started again on the same port to test
 * what a Redis restart does to the gateways.
 *
 * <p>Tests skip themselves where {@code redis-server} is missing, unless {@value #REQUIRE} is set
 * (CI installs it and sets it, so there the tests must run).
 */
public final class RedisServer implements AutoCloseable {
  public static final String REQUIRE = "SHEEPDOG_REQUIRE_REDIS";
  private static final String BINARY = "redis-server";

  private final Path dir;
  private final int port;
  private Process process;

  private RedisServer(Path dir, int port) {
    this.dir = dir;
    this.port = port;
  }

  /** Starts a server, or skips the calling test where none is installed and none is required. */
  public static RedisServer start() throws IOException {
    String binary = locate();
    if (binary == null) {
      if (System.getenv(REQUIRE) != null) {
        throw new IllegalStateException(BINARY + " is not installed and " + REQUIRE + " is set");
      }
      Assumptions.abort(BINARY + " is not installed");
    }
    RedisServer server = new RedisServer(Files.createTempDirectory("sheepdog-redis"), freePort());
    server.startAgain();
    return server;
  }

  private static String locate() {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
      Path candidate = Path.of(dir, BINARY);
      if (Files.isExecutable(candidate)) {
        return candidate.toString();
      }
    }
    Path sbin = Path.of("/usr/bin", BINARY);
    return Files.isExecutable(sbin) ? sbin.toString() : null;
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      socket.setReuseAddress(true);
      return socket.getLocalPort();
    }
  }

  public int port() {
    return port;
  }

  /** {@code redis://127.0.0.1:PORT}. */
  public String uri() {
    return "redis://127.0.0.1:" + port;
  }

  /** Starts the server (again) on its port and waits until it answers PING. */
  public synchronized void startAgain() throws IOException {
    if (process != null && process.isAlive()) {
      return;
    }
    List<String> command = new ArrayList<>(List.of(locate(), "--port", Integer.toString(port), "--bind", "127.0.0.1",
        "--save", "", "--appendonly", "no", "--dir", dir.toString(), "--protected-mode", "no", "--daemonize", "no",
        "--loglevel", "warning"));
    process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
        .redirectOutput(dir.resolve("redis.log").toFile()).start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() - deadline < 0) {
      if (!process.isAlive()) {
        throw new IOException("redis-server exited: " + Files.readString(dir.resolve("redis.log")));
      }
      if (answersPing()) {
        return;
      }
      sleep(20);
    }
    throw new IOException("redis-server did not answer on port " + port + " within 10 s");
  }

  /** Stops the server at once (SIGKILL): its data is gone, as after a crash without persistence. */
  public synchronized void stop() {
    if (process != null) {
      process.destroyForcibly();
      try {
        process.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Sends one inline command and returns the first line of the reply. */
  public String command(String inline) throws IOException {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 1000);
      socket.setSoTimeout(2000);
      OutputStream out = socket.getOutputStream();
      out.write((inline + "\r\n").getBytes(StandardCharsets.UTF_8));
      out.flush();
      InputStream in = socket.getInputStream();
      StringBuilder line = new StringBuilder();
      int c;
      while ((c = in.read()) != -1 && c != '\n') {
        if (c != '\r') {
          line.append((char) c);
        }
      }
      return line.toString();
    }
  }

  private boolean answersPing() {
    try {
      return "+PONG".equals(command("PING"));
    } catch (IOException e) {
      return false;
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() throws IOException {
    stop();
    try (var files = Files.walk(dir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
