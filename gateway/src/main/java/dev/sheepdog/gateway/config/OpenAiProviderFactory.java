package dev.sheepdog.gateway.config;

import dev.sheepdog.adapter.openai.HttpVersionPolicy;
import dev.sheepdog.adapter.openai.OpenAiConfig;
import dev.sheepdog.adapter.openai.OpenAiProvider;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * {@code type: openai}: any OpenAI-compatible server (OpenAI, vLLM, Ollama, LiteLLM, …). {@code
 * base_url} is required; {@code api_key_env} is optional, for local servers that need no key.
 * Every such provider of a file calls its upstream through the gateway's one shared HTTP client
 * ({@link ProviderContext#upstreamClient()}), with its own limits, pool size and timeouts.
 */
final class OpenAiProviderFactory implements ProviderFactory {
  static final String TYPE = "openai";

  @Override
  public PreparedProvider prepare(ConfigNode section, String name) {
    return read(section, null, null);
  }

  /**
   * Reads the keys every OpenAI-compatible type shares.
   *
   * @param defaultBaseUrl the base URL when none is given, or {@code null} to require one
   * @param defaultKeyEnv the key's variable when none is named, or {@code null} for no key
   */
  static PreparedProvider read(ConfigNode section, String defaultBaseUrl, String defaultKeyEnv) {
    Optional<String> givenUrl = defaultBaseUrl == null ? section.requiredString("base_url")
        : section.string("base_url");
    String baseUrl = givenUrl.orElse(defaultBaseUrl);
    if (givenUrl.isPresent() && !isHttpUrl(givenUrl.get())) {
      section.error("base_url", "expected an http or https URL such as https://api.openai.com/v1");
    }
    section.rejectSecretInClear("api_key", "api_key_env");
    Optional<ConfigNode.Secret> key = defaultKeyEnv == null ? section.secretFromEnvironment("api_key_env")
        : section.secretFromEnvironment("api_key_env", defaultKeyEnv);
    Duration connect = section.duration("connect_timeout", OpenAiConfig.DEFAULT_CONNECT_TIMEOUT);
    Duration read = section.duration("read_timeout", OpenAiConfig.DEFAULT_READ_TIMEOUT);
    Duration write = section.duration("write_timeout", OpenAiConfig.DEFAULT_WRITE_TIMEOUT);
    int maxRequests = section.integer("max_requests", OpenAiConfig.DEFAULT_MAX_REQUESTS, 1, 100_000);
    int perHost = section.integer("max_requests_per_host", OpenAiConfig.DEFAULT_MAX_REQUESTS, 1, 100_000);
    int connections = section.integer("max_connections_per_host", perHost, 1, 100_000);
    Duration keepAlive = section.duration("keep_alive", OpenAiConfig.DEFAULT_KEEP_ALIVE);
    HttpVersionPolicy httpVersion = section.string("http_version").map(text -> {
      try {
        return HttpVersionPolicy.parse(text);
      } catch (IllegalArgumentException e) {
        section.error("http_version", "expected auto, 1.1 or 2");
        return HttpVersionPolicy.AUTO;
      }
    }).orElse(HttpVersionPolicy.AUTO);
    Optional<String> organization = section.string("organization");
    Optional<String> project = section.string("project");
    Map<String, String> headers = new LinkedHashMap<>();
    ConfigNode headerSection = section.section("headers");
    for (String header : headerSection.keys()) {
      if (header.equalsIgnoreCase("authorization")) {
        headerSection.error(header, "the Authorization header comes from api_key_env; do not set it here");
        headerSection.get(header);
        continue;
      }
      headerSection.string(header).ifPresent(value -> headers.put(header, value));
    }
    String description = baseUrl + (key.map(k -> ", key from " + k.variable()).orElse(", no key"));
    return PreparedProvider.of(description, context -> {
      OpenAiProvider.Builder builder = OpenAiProvider.builder()
          .id(context.id().value())
          .baseUrl(baseUrl)
          .connectTimeout(connect)
          .readTimeout(read)
          .writeTimeout(write)
          .maxRequests(maxRequests)
          .maxRequestsPerHost(perHost)
          .maxConnectionsPerHost(connections)
          .keepAlive(keepAlive)
          .httpVersion(httpVersion);
      if (context.upstreamClient() != null) {
        builder.httpClient(context.upstreamClient().get());
      }
      key.ifPresent(secret -> builder.apiKey(secret.value()));
      organization.ifPresent(builder::organization);
      project.ifPresent(builder::project);
      headers.forEach(builder::header);
      return builder.build();
    });
  }

  static boolean isHttpUrl(String url) {
    try {
      URI uri = new URI(url.strip());
      String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
      return (scheme.equals("http") || scheme.equals("https")) && uri.getHost() != null;
    } catch (URISyntaxException e) {
      return false;
    }
  }
}
