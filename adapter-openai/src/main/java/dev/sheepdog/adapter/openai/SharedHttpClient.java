package dev.sheepdog.adapter.openai;

import dev.sheepdog.adapter.openai.internal.JettyClients;
import java.time.Duration;
import org.eclipse.jetty.client.HttpClient;

/**
 * One Jetty {@link HttpClient} for several providers to share, so that the threads stay bounded
 * whatever the number of providers: the client's pool ({@value #DEFAULT_MAX_THREADS} threads by
 * default) carries every call of every provider built with {@code .httpClient(shared.get())}.
 *
 * <pre>{@code
 * try (SharedHttpClient shared = SharedHttpClient.create()) {
 *   OpenAiProvider openai = OpenAiProvider.builder().id("openai").baseUrl(...).httpClient(shared.get()).build();
 *   OpenAiProvider local = OpenAiProvider.builder().id("local").baseUrl(...).httpClient(shared.get()).build();
 *   ...
 * }
 * }</pre>
 *
 * <p>The client starts on the first {@link #get()}, so a holder nobody asks costs nothing, and
 * stops on {@link #close()}, after the providers using it are closed. Each provider still gets
 * its own pool size and keep-alive for its host, and its own timeouts, headers and HTTP version
 * per request. Thread-safe.
 */
public final class SharedHttpClient implements AutoCloseable {
  /** Enough for the callbacks of many thousands of calls in flight: none of them blocks a thread. */
  public static final int DEFAULT_MAX_THREADS = 32;
  /** The client's own connect timeout; providers with a shorter one enforce it per request. */
  static final Duration MAX_CONNECT_TIMEOUT = Duration.ofSeconds(60);

  private final int maxThreads;
  private HttpClient client;
  private boolean closed;

  private SharedHttpClient(int maxThreads) {
    this.maxThreads = maxThreads;
  }

  /** A holder of a client of {@value #DEFAULT_MAX_THREADS} threads at most, started when first used. */
  public static SharedHttpClient create() {
    return create(DEFAULT_MAX_THREADS);
  }

  /** A holder of a client of {@code maxThreads} threads at most (at least 4), started when first used. */
  public static SharedHttpClient create(int maxThreads) {
    if (maxThreads < 4) {
      throw new IllegalArgumentException("maxThreads must be at least 4 (a selector and callbacks), was " + maxThreads);
    }
    return new SharedHttpClient(maxThreads);
  }

  /** The client, started on the first call. */
  public synchronized HttpClient get() {
    if (closed) {
      throw new IllegalStateException("the shared HTTP client is closed");
    }
    if (client == null) {
      client = JettyClients.start("sheepdog-shared-client", maxThreads, MAX_CONNECT_TIMEOUT,
          OpenAiConfig.DEFAULT_KEEP_ALIVE, OpenAiConfig.DEFAULT_MAX_REQUESTS);
    }
    return client;
  }

  /** Whether {@link #get()} has started the client. */
  public synchronized boolean isStarted() {
    return client != null;
  }

  /** Stops the client, if it was started: close the providers using it first. */
  @Override
  public synchronized void close() {
    closed = true;
    if (client != null) {
      JettyClients.stop(client);
    }
  }

  @Override
  public synchronized String toString() {
    return "SharedHttpClient{" + (client == null ? "not started" : client.getState()) + '}';
  }
}
