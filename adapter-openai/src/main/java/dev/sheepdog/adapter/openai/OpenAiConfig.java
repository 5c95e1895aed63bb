package dev.sheepdog.adapter.openai;

import dev.sheepdog.spi.ProviderId;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import org.eclipse.jetty.client.HttpClient;

/**
 * The settings of one OpenAI-compatible endpoint, immutable and thread-safe. Built by {@link
 * OpenAiProvider#builder()}, used by {@link OpenAiProvider} and {@link OpenAiModule}.
 *
 * <p>{@link #toString()} never shows the API key.
 */
public final class OpenAiConfig {
  /**
   * Calls in flight at once, per provider and per host: high, because a call in flight costs a
   * socket and a few objects, not a thread; past it a call fails at once with {@code OVERLOADED}.
   */
  public static final int DEFAULT_MAX_REQUESTS = 10_000;
  /** The most of a JSON reply that is read; past it the reply is a {@code MALFORMED_RESPONSE}. */
  public static final int MAX_RESPONSE_BYTES = 16 * 1024 * 1024;
  /** The largest event (or line) of a stream; past it the stream fails with {@code MALFORMED_RESPONSE}. */
  public static final int MAX_EVENT_BYTES = 4 * 1024 * 1024;

  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
  public static final Duration DEFAULT_READ_TIMEOUT = Duration.ofSeconds(60);
  public static final Duration DEFAULT_WRITE_TIMEOUT = Duration.ofSeconds(60);
  public static final Duration DEFAULT_KEEP_ALIVE = Duration.ofMinutes(5);
  public static final Duration DEFAULT_RETRY_AFTER = Duration.ofSeconds(1);
  public static final Duration DEFAULT_MAX_RETRY_AFTER = Duration.ofSeconds(60);

  private final ProviderId id;
  private final HttpUrl baseUrl;
  private final String apiKey;
  private final String organization;
  private final String project;
  private final Map<String, String> headers;
  private final Duration connectTimeout;
  private final Duration readTimeout;
  private final Duration writeTimeout;
  private final int maxRequests;
  private final int maxRequestsPerHost;
  private final int maxConnectionsPerHost;
  private final Duration keepAlive;
  private final HttpVersionPolicy httpVersion;
  private final Duration defaultRetryAfter;
  private final Duration maxRetryAfter;
  private final OkHttpClient sharedClient;
  private final HttpClient sharedHttpClient;

  OpenAiConfig(OpenAiProvider.Builder b) {
    this.id = b.id;
    this.baseUrl = b.baseUrl;
    this.apiKey = b.apiKey;
    this.organization = b.organization;
    this.project = b.project;
    this.headers = Map.copyOf(b.headers);
    this.connectTimeout = b.connectTimeout;
    this.readTimeout = b.readTimeout;
    this.writeTimeout = b.writeTimeout;
    this.maxRequests = b.maxRequests;
    this.maxRequestsPerHost = b.maxRequestsPerHost;
    this.maxConnectionsPerHost = b.maxConnectionsPerHost;
    this.keepAlive = b.keepAlive;
    this.httpVersion = b.httpVersion;
    this.defaultRetryAfter = b.defaultRetryAfter;
    this.maxRetryAfter = b.maxRetryAfter;
    this.sharedClient = b.sharedClient;
    this.sharedHttpClient = b.sharedHttpClient;
  }

  public ProviderId id() {
    return id;
  }

  /** The base URL, ending in {@code /}, so that {@code chat/completions} resolves below it. */
  public HttpUrl baseUrl() {
    return baseUrl;
  }

  Optional<String> apiKey() {
    return Optional.ofNullable(apiKey);
  }

  public Optional<String> organization() {
    return Optional.ofNullable(organization);
  }

  public Optional<String> project() {
    return Optional.ofNullable(project);
  }

  public Map<String, String> headers() {
    return headers;
  }

  public Duration connectTimeout() {
    return connectTimeout;
  }

  public Duration readTimeout() {
    return readTimeout;
  }

  public Duration writeTimeout() {
    return writeTimeout;
  }

  public int maxRequests() {
    return maxRequests;
  }

  public int maxRequestsPerHost() {
    return maxRequestsPerHost;
  }

  /** Connections to the provider's host at once (HTTP/2 opens more only when one's streams run out). */
  public int maxConnectionsPerHost() {
    return maxConnectionsPerHost;
  }

  /** How long an idle pooled connection is kept open. */
  public Duration keepAlive() {
    return keepAlive;
  }

  public HttpVersionPolicy httpVersion() {
    return httpVersion;
  }

  public Duration defaultRetryAfter() {
    return defaultRetryAfter;
  }

  public Duration maxRetryAfter() {
    return maxRetryAfter;
  }

  /** The OkHttp client to share a dispatcher and connection pool with, when one was given. */
  public Optional<OkHttpClient> sharedClient() {
    return Optional.ofNullable(sharedClient);
  }

  /** The Jetty client to share, when one was given. */
  public Optional<HttpClient> sharedHttpClient() {
    return Optional.ofNullable(sharedHttpClient);
  }

  @Override
  public String toString() {
    return "OpenAiConfig{id=" + id + ", baseUrl=" + baseUrl + ", apiKey=" + (apiKey == null ? "none" : "[set]") + '}';
  }
}
