package dev.sheepdog.adapter.openai;

import dev.sheepdog.spi.ProviderId;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;

/**
 * The settings of one OpenAI-compatible endpoint, immutable and thread-safe. Built by {@link
 * OpenAiProvider#builder()}, used by {@link OpenAiProvider} and {@link OpenAiModule}.
 *
 * <p>{@link #toString()} never shows the API key.
 */
public final class OpenAiConfig {
  /** A gateway sends many calls to one host at once; OkHttp's default of 5 per host would queue them. */
  public static final int DEFAULT_MAX_REQUESTS = 256;

  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
  public static final Duration DEFAULT_READ_TIMEOUT = Duration.ofSeconds(60);
  public static final Duration DEFAULT_WRITE_TIMEOUT = Duration.ofSeconds(60);
  public static final int DEFAULT_MAX_IDLE_CONNECTIONS = 64;
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
  private final int maxIdleConnections;
  private final Duration keepAlive;
  private final Duration defaultRetryAfter;
  private final Duration maxRetryAfter;
  private final OkHttpClient sharedClient;

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
    this.maxIdleConnections = b.maxIdleConnections;
    this.keepAlive = b.keepAlive;
    this.defaultRetryAfter = b.defaultRetryAfter;
    this.maxRetryAfter = b.maxRetryAfter;
    this.sharedClient = b.sharedClient;
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

  public int maxIdleConnections() {
    return maxIdleConnections;
  }

  public Duration keepAlive() {
    return keepAlive;
  }

  public Duration defaultRetryAfter() {
    return defaultRetryAfter;
  }

  public Duration maxRetryAfter() {
    return maxRetryAfter;
  }

  /** The client to share a dispatcher and connection pool with, when one was given. */
  public Optional<OkHttpClient> sharedClient() {
    return Optional.ofNullable(sharedClient);
  }

  @Override
  public String toString() {
    return "OpenAiConfig{id=" + id + ", baseUrl=" + baseUrl + ", apiKey=" + (apiKey == null ? "none" : "[set]") + '}';
  }
}
