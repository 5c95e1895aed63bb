package dev.sheepdog.gateway;

import java.net.URI;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Traces ({@code telemetry} in YAML): off unless an OTLP endpoint is named. {@link #toString()}
 * never shows the headers' values, which hold credentials.
 *
 * @param endpoint the OTLP/HTTP collector's base URL ({@code http://localhost:4318}); spans go to
 *     its {@code /v1/traces}. {@code null}: no traces
 * @param headers sent with every export, for a collector that wants credentials ({@code
 *     Authorization=Bearer …}); read from the variable {@code headersVariable}
 * @param headersVariable the environment variable the headers came from, or {@code null}
 * @param sampleRatio the share of new traces kept, 0 to 1; a request that carries a {@code
 *     traceparent} follows its caller's decision
 * @param captureContent whether prompts and answers go into spans; off, spans hold no message text
 */
public record TelemetrySettings(URI endpoint, Map<String, String> headers, String headersVariable,
    double sampleRatio, boolean captureContent) {
  public static final double DEFAULT_SAMPLE_RATIO = 1.0;
  /** No traces. */
  public static final TelemetrySettings OFF = new TelemetrySettings(null, Map.of(), null, DEFAULT_SAMPLE_RATIO,
      false);

  public TelemetrySettings {
    headers = Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNull(headers, "headers")));
    if (!(sampleRatio >= 0 && sampleRatio <= 1)) {
      throw new IllegalArgumentException("sample_ratio must be between 0 and 1, was " + sampleRatio);
    }
    if (endpoint != null) {
      String scheme = endpoint.getScheme();
      if (!"http".equalsIgnoreCase(scheme) && !"https".equalsIgnoreCase(scheme) || endpoint.getHost() == null) {
        throw new IllegalArgumentException("the OTLP endpoint must be an http:// or https:// URL, such as "
            + "http://localhost:4318");
      }
    }
  }

  /** Traces to the collector at {@code endpoint}, every request sampled, no message text. */
  public static TelemetrySettings otlp(URI endpoint) {
    return new TelemetrySettings(endpoint, Map.of(), null, DEFAULT_SAMPLE_RATIO, false);
  }

  public boolean enabled() {
    return endpoint != null;
  }

  /** Where spans are posted: the endpoint's {@code /v1/traces}, unless it names that path already. */
  public String tracesUrl() {
    String base = endpoint.toString();
    if (base.endsWith("/v1/traces")) {
      return base;
    }
    return (base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + "/v1/traces";
  }

  /** One line for logs and {@code check-config}; the headers by their names only. */
  public String describe() {
    if (!enabled()) {
      return "off";
    }
    return "OTLP/HTTP to " + tracesUrl() + ", sample ratio " + sampleRatio
        + (headers.isEmpty() ? "" : ", headers " + headers.keySet() + " from " + headersVariable)
        + (captureContent ? ", message content captured" : ", no message content");
  }

  @Override
  public String toString() {
    return "TelemetrySettings[" + describe() + "]";
  }
}
