package dev.sheepdog.gateway.demo;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Sends the demo's traffic through the gateway's real HTTP endpoint: requests from a {@link
 * TrafficMix} at a steady rate, at most {@code concurrency} at a time, complete answers and SSE
 * streams alike, with the results counted in a {@link ClientTally}.
 *
 * <p>One thread paces the requests ({@link #run}); the HTTP client sends them asynchronously and
 * its threads record the outcomes. When every permit is taken the pacing thread waits for one, so
 * a slow gateway lowers the rate instead of piling up requests.
 */
final class TrafficDriver {
  private final HttpClient http;
  private final URI endpoint;
  private final String clientKey;
  private final TrafficMix mix;
  private final double rate;
  private final int concurrency;
  private final Semaphore permits;
  private final Duration requestTimeout;
  private final ClientTally tally;

  TrafficDriver(HttpClient http, URI endpoint, String clientKey, TrafficMix mix, double rate, int concurrency,
      Duration requestTimeout, ClientTally tally) {
    this.http = http;
    this.endpoint = endpoint;
    this.clientKey = clientKey;
    this.mix = mix;
    this.rate = rate;
    this.concurrency = concurrency;
    this.permits = new Semaphore(concurrency);
    this.requestTimeout = requestTimeout;
    this.tally = tally;
  }

  /**
   * Sends requests until {@code endNanos} on {@link System#nanoTime()}'s clock, pacing them at the
   * rate; returns how many were sent. Requests still in flight then go on; see {@link #awaitQuiet}.
   */
  long run(long startNanos, long endNanos) throws InterruptedException {
    double intervalNanos = 1e9 / rate;
    long sent = 0;
    while (true) {
      long due = startNanos + (long) (sent * intervalNanos);
      if (due - endNanos >= 0) {
        return sent;
      }
      long wait = due - System.nanoTime();
      while (wait > 0) {
        LockSupport.parkNanos(wait);
        if (Thread.interrupted()) {
          throw new InterruptedException();
        }
        wait = due - System.nanoTime();
      }
      long left = endNanos - System.nanoTime();
      if (left <= 0 || !permits.tryAcquire(left, TimeUnit.NANOSECONDS)) {
        return sent;
      }
      send(mix.next());
      sent++;
    }
  }

  /** Waits until no request is in flight, or {@code max} has passed; true when none is. */
  boolean awaitQuiet(Duration max) throws InterruptedException {
    if (permits.tryAcquire(concurrency, max.toNanos(), TimeUnit.NANOSECONDS)) {
      permits.release(concurrency);
      return true;
    }
    return false;
  }

  private void send(TrafficMix.Call call) {
    HttpRequest.Builder request = HttpRequest.newBuilder(endpoint)
        .timeout(requestTimeout)
        .header("Content-Type", "application/json")
        .header("Authorization", "Bearer " + clientKey)
        .POST(HttpRequest.BodyPublishers.ofString(call.body()));
    call.headers().forEach(request::header);
    if (call.stream()) {
      request.header("Accept", "text/event-stream");
    }
    tally.sent();
    CompletableFuture<?> done;
    try {
      done = call.stream() ? sendStream(request.build()) : sendComplete(request.build());
    } catch (RuntimeException e) {
      tally.failed(ClientTally.NO_ANSWER);
      permits.release();
      return;
    }
    done.whenComplete((ignored, failure) -> permits.release());
  }

  private CompletableFuture<?> sendComplete(HttpRequest request) {
    return http.sendAsync(request, HttpResponse.BodyHandlers.discarding()).whenComplete((response, failure) -> {
      if (failure != null) {
        tally.failed(ClientTally.NO_ANSWER);
      } else if (response.statusCode() == 200) {
        tally.succeeded(false);
      } else {
        tally.failed(response.statusCode());
      }
    });
  }

  private CompletableFuture<?> sendStream(HttpRequest request) {
    return http.sendAsync(request, HttpResponse.BodyHandlers.fromLineSubscriber(new SseBody(), SseBody::outcome,
        null)).whenComplete((response, failure) -> {
          if (failure != null) {
            tally.failed(ClientTally.NO_ANSWER);
          } else if (response.statusCode() != 200) {
            tally.failed(response.statusCode());
          } else if (response.body().ending() == SseBody.Ending.DONE) {
            tally.succeeded(true);
          } else {
            tally.streamBroken();
          }
        });
  }
}
