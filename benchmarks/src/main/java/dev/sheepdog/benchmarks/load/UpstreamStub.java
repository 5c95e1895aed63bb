package dev.sheepdog.benchmarks.load;

import com.squareup.moshi.JsonReader;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Pattern;
import okio.Buffer;
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
 * An OpenAI-compatible upstream with zero think time, for load tests of the gateway and of any
 * proxy in front of it: {@code POST /v1/chat/completions} answers at once, as JSON or as a
 * server-sent-event stream of a few chunks with usage, whatever model is asked for.
 *
 * <p>One model may be made flaky: {@code --fail-model M --fail-ratio 0.3 --seed 42} answers 503
 * (in OpenAI's error shape) to a seeded 30 % of the requests for {@code M}, numbered in arrival
 * order. {@code GET /stub/stats} tells how many requests came and how many were failed on purpose.
 *
 * <p>It must never be the bottleneck: bodies are read without blocking, answers are built once per
 * model and mode and then written in one buffer, and Jetty's core API is used without servlets.
 *
 * <pre>{@code
 * java -cp benchmarks/target/benchmarks.jar dev.sheepdog.benchmarks.load.UpstreamStub \
 *     --port 18401 --threads 8 --fail-model gemini-2.5-flash --fail-ratio 0.3 --seed 42
 * }</pre>
 */
public final class UpstreamStub implements AutoCloseable {
  static final String CHAT_PATH = "/v1/chat/completions";
  static final String STATS_PATH = "/stub/stats";
  private static final int MAX_BODY = 1 << 20;
  private static final int MAX_CACHED_ANSWERS = 256;
  private static final Pattern MODEL_NAME = Pattern.compile("[A-Za-z0-9._:/\\-]{1,128}");

  private final Server server;
  private final ServerConnector connector;

  private UpstreamStub(Server server, ServerConnector connector) {
    this.server = server;
    this.connector = connector;
  }

  /** Binds and starts serving; fails when the port cannot be bound. */
  public static UpstreamStub start(Options options) {
    QueuedThreadPool threads = new QueuedThreadPool(options.threads(), Math.min(4, options.threads()));
    threads.setName("upstream-stub");
    Server server = new Server(threads);
    // one acceptor and one selector: on a small machine more only add context switches
    HttpConfiguration http = new HttpConfiguration();
    // no per-connection header cache: at thousands of connections it would be most of the heap
    http.setHeaderCacheSize(0);
    ServerConnector connector = new ServerConnector(server, 1, 1, new HttpConnectionFactory(http));
    // a burst of thousands of new connections must not overflow Java's default backlog of 50
    connector.setAcceptQueueSize(4_096);
    connector.setHost(options.host());
    connector.setPort(options.port());
    server.addConnector(connector);
    server.setHandler(new StubHandler(options));
    try {
      server.start();
    } catch (Exception e) {
      try {
        server.stop();
      } catch (Exception suppressed) {
        e.addSuppressed(suppressed);
      }
      throw new IllegalStateException("the stub could not start on " + options.host() + ":" + options.port(), e);
    }
    return new UpstreamStub(server, connector);
  }

  public int port() {
    return connector.getLocalPort();
  }

  /** The OpenAI base URL, {@code http://host:port/v1}. */
  public URI baseUrl() {
    return URI.create("http://" + connector.getHost() + ":" + port() + "/v1");
  }

  @Override
  public void close() {
    try {
      server.stop();
    } catch (Exception e) {
      throw new IllegalStateException("the stub did not stop cleanly", e);
    }
  }

  public static void main(String[] args) throws InterruptedException {
    Options options;
    try {
      options = Options.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("UpstreamStub: " + e.getMessage());
      System.err.println(Options.USAGE);
      System.exit(2);
      return;
    }
    UpstreamStub stub = start(options);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      stub.close();
      stopped.countDown();
    }, "upstream-stub-shutdown"));
    System.out.println("UpstreamStub listening on " + stub.baseUrl() + " (" + options + ")");
    stopped.await();
  }

  /**
   * How the stub serves.
   *
   * @param host the address to bind
   * @param port the port, or 0 for a free one
   * @param threads the most threads Jetty may use
   * @param chunks how many content chunks a streamed answer has
   * @param failModel the model that fails now and then, or {@code null} for none
   * @param failRatio the share of {@code failModel}'s requests that get a 503
   * @param seed the seed of which of them fail
   * @param thinkMillis how long a JSON answer takes, in milliseconds (an LLM's latency); 0 answers at once
   * @param streamSpanMillis how long a stream takes from its first chunk to its last, in milliseconds;
   *     0 writes it in one piece
   */
  public record Options(String host, int port, int threads, int chunks, String failModel, double failRatio,
      long seed, long thinkMillis, long streamSpanMillis) {
    static final String USAGE = "options: [--host 127.0.0.1] [--port 0] [--threads 8] [--chunks 5]"
        + " [--fail-model MODEL --fail-ratio 0.3] [--seed 42] [--think-ms 0] [--stream-span-ms 0]";

    public Options {
      if (host == null || host.isBlank()) {
        throw new IllegalArgumentException("--host must not be blank");
      }
      if (port < 0 || port > 65_535) {
        throw new IllegalArgumentException("--port must be between 0 and 65535, was " + port);
      }
      if (threads < 4) {
        // Jetty needs an acceptor, a selector and a reserved thread before it can run a handler
        throw new IllegalArgumentException("--threads must be at least 4, was " + threads);
      }
      if (chunks < 1) {
        throw new IllegalArgumentException("--chunks must be at least 1, was " + chunks);
      }
      if (failModel != null && !MODEL_NAME.matcher(failModel).matches()) {
        throw new IllegalArgumentException("--fail-model is not a model name: " + failModel);
      }
      new FailureSchedule(seed, failRatio); // validates the ratio
      if (thinkMillis < 0 || streamSpanMillis < 0) {
        throw new IllegalArgumentException("--think-ms and --stream-span-ms must not be negative");
      }
    }

    public static Options defaults() {
      return new Options("127.0.0.1", 0, 8, 5, null, 0.0, 42, 0, 0);
    }

    public Options withFailures(String model, double ratio, long seed) {
      return new Options(host, port, threads, chunks, model, ratio, seed, thinkMillis, streamSpanMillis);
    }

    public Options withPort(int port) {
      return new Options(host, port, threads, chunks, failModel, failRatio, seed, thinkMillis, streamSpanMillis);
    }

    /** Answers like an LLM: JSON after {@code think}, streams of {@code chunks} spread over {@code span}. */
    public Options withLatency(long thinkMillis, long streamSpanMillis, int chunks) {
      return new Options(host, port, threads, chunks, failModel, failRatio, seed, thinkMillis, streamSpanMillis);
    }

    static Options parse(String[] args) {
      Options o = defaults();
      String host = o.host;
      int port = o.port;
      int threads = o.threads;
      int chunks = o.chunks;
      String failModel = null;
      double failRatio = o.failRatio;
      long seed = o.seed;
      long think = 0;
      long span = 0;
      for (int i = 0; i < args.length; i++) {
        String flag = args[i];
        if (i + 1 >= args.length) {
          throw new IllegalArgumentException(flag + " needs a value");
        }
        String value = args[++i];
        try {
          switch (flag) {
            case "--host" -> host = value;
            case "--port" -> port = Integer.parseInt(value);
            case "--threads" -> threads = Integer.parseInt(value);
            case "--chunks" -> chunks = Integer.parseInt(value);
            case "--fail-model" -> failModel = value;
            case "--fail-ratio" -> failRatio = Double.parseDouble(value);
            case "--seed" -> seed = Long.parseLong(value);
            case "--think-ms" -> think = Long.parseLong(value);
            case "--stream-span-ms" -> span = Long.parseLong(value);
            default -> throw new IllegalArgumentException("unknown option " + flag);
          }
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException(flag + " must be a number, was " + value, e);
        }
      }
      if (failModel == null && failRatio > 0) {
        throw new IllegalArgumentException("--fail-ratio needs --fail-model");
      }
      if (failModel != null && failRatio == 0) {
        failRatio = 0.3;
      }
      return new Options(host, port, threads, chunks, failModel, failRatio, seed, think, span);
    }
  }

  /**
   * Answers every request without blocking. The counters are the only shared state written per
   * request; answers are cached per model and mode in a concurrent map, bounded so a client that
   * makes up model names cannot grow it.
   */
  private static final class StubHandler extends Handler.Abstract.NonBlocking {
    private static final String CREATED = "1700000000";

    private final Options options;
    private final FailureSchedule schedule;
    private final Map<String, byte[]> answers = new ConcurrentHashMap<>();
    private final Map<String, byte[]> streams = new ConcurrentHashMap<>();
    private final Map<String, List<byte[]>> pacedStreams = new ConcurrentHashMap<>();
    private final LongAdder requests = new LongAdder();
    private final AtomicLong flakyRequests = new AtomicLong();
    private final LongAdder flakyFailures = new LongAdder();
    private final byte[] unavailable;

    StubHandler(Options options) {
      this.options = options;
      this.schedule = new FailureSchedule(options.seed(), options.failRatio());
      this.unavailable = error("the upstream stub failed this request on purpose", "server_error",
          "service_unavailable");
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
      String path = Request.getPathInContext(request);
      String method = request.getMethod();
      if (path.equals(CHAT_PATH) && method.equals("POST")) {
        Content.Source.asByteArrayAsync(request, MAX_BODY).whenComplete((body, failure) -> {
          if (failure != null) {
            write(response, callback, 400, "application/json",
                error("the request body could not be read", "invalid_request_error", "invalid_body"));
          } else {
            answer(request, body, response, callback);
          }
        });
      } else if (path.equals("/v1/models") && method.equals("GET")) {
        write(response, callback, 200, "application/json", models());
      } else if (path.equals(STATS_PATH) && method.equals("GET")) {
        write(response, callback, 200, "application/json", stats());
      } else {
        write(response, callback, 404, "application/json",
            error("no endpoint " + method + " " + path, "invalid_request_error", "unknown_url"));
      }
      return true;
    }

    private void answer(Request request, byte[] body, Response response, Callback callback) {
      requests.increment();
      ParsedRequest parsed;
      try {
        parsed = ParsedRequest.parse(body);
      } catch (IOException | IllegalArgumentException e) {
        write(response, callback, 400, "application/json",
            error("the request is not a chat completion: " + e.getMessage(), "invalid_request_error",
                "invalid_request"));
        return;
      }
      if (parsed.model().equals(options.failModel())) {
        if (schedule.fails(flakyRequests.getAndIncrement())) {
          flakyFailures.increment();
          write(response, callback, 503, "application/json", unavailable);
          return;
        }
      }
      if (parsed.stream() && options.streamSpanMillis() > 0) {
        List<byte[]> events = pacedStreams.get(parsed.model());
        if (events == null) {
          events = StubAnswers.streamEvents(parsed.model(), options.chunks());
          if (pacedStreams.size() < MAX_CACHED_ANSWERS) {
            pacedStreams.put(parsed.model(), events);
          }
        }
        new PacedStream(events, options.streamSpanMillis(), response, callback, request).next();
      } else if (parsed.stream()) {
        write(response, callback, 200, "text/event-stream", cached(streams, parsed.model(), true));
      } else if (options.thinkMillis() > 0) {
        byte[] answer = cached(answers, parsed.model(), false);
        // a timer, not a sleeping thread: thousands of answers may be thinking at once
        request.getComponents().getScheduler().schedule(
            () -> write(response, callback, 200, "application/json", answer), options.thinkMillis(),
            TimeUnit.MILLISECONDS);
      } else {
        write(response, callback, 200, "application/json", cached(answers, parsed.model(), false));
      }
    }

    private byte[] cached(Map<String, byte[]> cache, String model, boolean stream) {
      byte[] bytes = cache.get(model);
      if (bytes == null) {
        bytes = stream ? StubAnswers.stream(model, options.chunks()) : StubAnswers.json(model, options.chunks());
        if (cache.size() < MAX_CACHED_ANSWERS) {
          cache.put(model, bytes);
        }
      }
      return bytes;
    }

    private byte[] stats() {
      return ("{\"requests\":" + requests.sum() + ",\"fail_model\":"
          + (options.failModel() == null ? "null" : "\"" + options.failModel() + "\"")
          + ",\"fail_model_requests\":" + flakyRequests.get() + ",\"failed\":" + flakyFailures.sum() + "}")
          .getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] models() {
      return ("{\"object\":\"list\",\"data\":[{\"id\":\"stub\",\"object\":\"model\",\"created\":" + CREATED
          + ",\"owned_by\":\"stub\"}]}").getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] error(String message, String type, String code) {
      return ("{\"error\":{\"message\":\"" + message + "\",\"type\":\"" + type + "\",\"param\":null,\"code\":\""
          + code + "\"}}").getBytes(StandardCharsets.UTF_8);
    }

    private static void write(Response response, Callback callback, int status, String contentType, byte[] body) {
      response.setStatus(status);
      response.getHeaders().put("Content-Type", contentType);
      response.getHeaders().put("Content-Length", body.length);
      response.write(true, ByteBuffer.wrap(body), callback);
    }
  }

  /**
   * A stream written an event at a time, spread evenly over the span: the role chunk at once, then
   * each content chunk, the last one with the finish, usage and {@code [DONE]}. Each write is
   * scheduled when the previous one has completed, so no thread waits between chunks.
   */
  private static final class PacedStream implements Callback {
    private final List<byte[]> events;
    private final long intervalNanos;
    private final Response response;
    private final Callback done;
    private final Request request;
    private int next;

    PacedStream(List<byte[]> events, long spanMillis, Response response, Callback done, Request request) {
      this.events = events;
      // the role chunk and the closing events go with their neighbours: the content chunks set the pace
      this.intervalNanos = TimeUnit.MILLISECONDS.toNanos(spanMillis) / Math.max(1, events.size() - 5);
      this.response = response;
      this.done = done;
      this.request = request;
      response.setStatus(200);
      response.getHeaders().put("Content-Type", "text/event-stream");
    }

    void next() {
      int at = next++;
      boolean last = at == events.size() - 1;
      response.write(last, ByteBuffer.wrap(events.get(at)), last ? done : this);
    }

    @Override
    public void succeeded() {
      // the closing events (finish, usage, [DONE]) follow the last content chunk at once
      boolean closing = next >= events.size() - 3 || next == 1;
      if (closing) {
        next();
      } else {
        request.getComponents().getScheduler().schedule(this::next, intervalNanos, TimeUnit.NANOSECONDS);
      }
    }

    @Override
    public void failed(Throwable failure) {
      done.failed(failure);
    }
  }

  /** The two fields the stub looks at; everything else in the request is skipped. */
  record ParsedRequest(String model, boolean stream) {
    static ParsedRequest parse(byte[] body) throws IOException {
      String model = null;
      boolean stream = false;
      try (JsonReader reader = JsonReader.of(new Buffer().write(body))) {
        reader.beginObject();
        while (reader.hasNext()) {
          switch (reader.nextName()) {
            case "model" -> model = reader.nextString();
            case "stream" -> stream = reader.peek() == JsonReader.Token.BOOLEAN ? reader.nextBoolean() : skip(reader);
            default -> reader.skipValue();
          }
        }
        reader.endObject();
      }
      if (model == null) {
        throw new IllegalArgumentException("model is missing");
      }
      // the name is echoed into the answer unescaped, so only plain names are served
      if (!MODEL_NAME.matcher(model).matches()) {
        throw new IllegalArgumentException("model is not a plain model name");
      }
      return new ParsedRequest(model, stream);
    }

    private static boolean skip(JsonReader reader) throws IOException {
      reader.skipValue();
      return false;
    }
  }
}
