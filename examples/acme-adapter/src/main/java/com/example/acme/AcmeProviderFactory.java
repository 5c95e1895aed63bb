package com.example.acme;

import dev.sheepdog.gateway.config.ConfigNode;
import dev.sheepdog.gateway.config.PreparedProvider;
import dev.sheepdog.gateway.config.ProviderFactory;
import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * {@code type: acme} in the gateway's YAML: {@code base_url} (required), {@code api_key_env} (the
 * variable holding the key, {@value #DEFAULT_KEY_ENV} by default) and {@code read_timeout} (60s).
 */
public final class AcmeProviderFactory implements ProviderFactory {
  public static final String DEFAULT_KEY_ENV = "ACME_API_KEY";

  @Override
  public PreparedProvider prepare(ConfigNode section, String name) {
    Optional<String> baseUrl = section.requiredString("base_url");
    if (baseUrl.isPresent() && !baseUrl.get().matches("https?://[^/].*")) {
      section.error("base_url", "expected an http or https URL such as https://api.acme.example/v1");
    }
    section.rejectSecretInClear("api_key", "api_key_env");
    Optional<ConfigNode.Secret> key = section.secretFromEnvironment("api_key_env", DEFAULT_KEY_ENV);
    Duration readTimeout = section.duration("read_timeout", Duration.ofSeconds(60));
    // read while the file loads; used when the gateway starts, only if the file had no problem
    String description = baseUrl.orElse("?") + ", key from " + key.map(ConfigNode.Secret::variable).orElse("?");
    return PreparedProvider.of(description, context -> new AcmeProvider(context.id().value(),
        URI.create(baseUrl.orElseThrow()), key.orElseThrow().value(),
        Objects.requireNonNull(context.upstreamClient(), "the gateway's shared HTTP client").get(), readTimeout));
  }
}
