package dev.sheepdog.gateway;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Posts a deferred request's answer to the URL its client named in {@code X-Sheepdog-Callback-Url}
 * once a replay delivered it. Only hosts the operator allowed may be named, over {@code http} or
 * {@code https}, without user info; redirects are not followed, so an allowed host cannot send the
 * post elsewhere. A post that fails (no connection, a status other than 2xx, the timeout) is tried
 * again after 1, 2, 4… seconds (at most a minute) up to the configured attempts, then given up
 * with a warning: the client can still fetch the answer at {@code GET /v1/sheepdog/deferred/{id}}.
 * Callbacks are not durable: a process that stops while one waits for its next attempt does not
 * post it after a restart.
 *
 * <p>Nothing blocks: posts go through the JDK's asynchronous HTTP client and retries wait on a
 * delayed executor.
 */
final class Callbacks {
  /** The request header a client names its callback in. */
  static final String HEADER = "X-Sheepdog-Callback-Url";
  /** The route hints' attribute the URL travels in with a deferred entry. */
  static final String ATTRIBUTE = "callback_url";
  static final int MAX_URL_CHARS = 2048;

  private static final Logger log = LoggerFactory.getLogger(Callbacks.class);
  private static final long MAX_BACKOFF_MILLIS = 60_000;

  private final DeferredSettings settings;
  private final GatewayMetrics metrics;
  private volatile HttpClient client; // made on the first post: most gateways never post one

  Callbacks(DeferredSettings settings, GatewayMetrics metrics) {
    this.settings = settings;
    this.metrics = metrics;
  }

  /**
   * The callback URL a client asked for, checked; {@code null} when the header is absent.
   *
   * @throws IllegalArgumentException with a message for the client when it may not be used
   */
  String validate(String header) {
    if (header == null) {
      return null;
    }
    if (!settings.callbacksEnabled()) {
      throw new IllegalArgumentException("callbacks are not enabled on this gateway (deferred.callbacks)");
    }
    if (header.length() > MAX_URL_CHARS) {
      throw new IllegalArgumentException(HEADER + " is longer than " + MAX_URL_CHARS + " characters");
    }
    URI uri;
    try {
      uri = new URI(header.strip());
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(HEADER + " is not a URL");
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("https") && !scheme.equals("http")) {
      throw new IllegalArgumentException(HEADER + " must be an http or https URL");
    }
    if (uri.getRawUserInfo() != null || uri.getHost() == null) {
      throw new IllegalArgumentException(HEADER + " must name a host and no user info");
    }
    if (!settings.callbackHosts().contains(uri.getHost().toLowerCase(Locale.ROOT))) {
      throw new IllegalArgumentException(HEADER + " names a host this gateway may not call back "
          + "(deferred.callbacks.allowed_hosts)");
    }
    return uri.toString();
  }

  /** Posts {@code json} to {@code url}, retrying; {@code id} names the deferred request in logs. */
  CompletableFuture<Boolean> post(String url, String id, String json) {
    return attempt(URI.create(url), id, json, 1);
  }

  private CompletableFuture<Boolean> attempt(URI url, String id, String json, int attempt) {
    HttpRequest request = HttpRequest.newBuilder(url)
        .timeout(settings.callbackTimeout())
        .header("Content-Type", "application/json")
        .header("X-Sheepdog-Deferred-Id", id)
        .POST(HttpRequest.BodyPublishers.ofString(json, StandardCharsets.UTF_8))
        .build();
    return client().sendAsync(request, HttpResponse.BodyHandlers.discarding())
        .handle((response, failure) -> failure == null && response.statusCode() / 100 == 2)
        .thenCompose(posted -> {
          if (posted) {
            metrics.callback("delivered");
            return CompletableFuture.completedFuture(true);
          }
          if (attempt >= settings.callbackAttempts()) {
            metrics.callback("given_up");
            log.warn("deferred {}: its callback failed {} times and is given up; the client can fetch the answer "
                + "at {}", id, attempt, ClientDeferred.url(id));
            return CompletableFuture.completedFuture(false);
          }
          metrics.callback("retried");
          long wait = Math.min(MAX_BACKOFF_MILLIS, 1000L << Math.min(attempt - 1, 16));
          return CompletableFuture.supplyAsync(() -> null, CompletableFuture.delayedExecutor(wait,
              TimeUnit.MILLISECONDS)).thenCompose(ignored -> attempt(url, id, json, attempt + 1));
        });
  }

  private HttpClient client() {
    HttpClient current = client;
    if (current == null) {
      synchronized (this) {
        if (client == null) {
          client = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
              .connectTimeout(settings.callbackTimeout()).build();
        }
        current = client;
      }
    }
    return current;
  }
}
