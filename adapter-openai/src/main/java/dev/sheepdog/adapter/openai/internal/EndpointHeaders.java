package dev.sheepdog.adapter.openai.internal;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import okhttp3.Interceptor;
import okhttp3.Request;
import okhttp3.Response;

/** Adds the endpoint's fixed headers (authorization, organization, project, extras) to every call. */
public final class EndpointHeaders implements Interceptor {
  private final Map<String, String> headers;

  public EndpointHeaders(String apiKey, String organization, String project, Map<String, String> extra) {
    Map<String, String> all = new LinkedHashMap<>(extra);
    if (apiKey != null) {
      all.put("Authorization", "Bearer " + apiKey);
    }
    if (organization != null) {
      all.put("OpenAI-Organization", organization);
    }
    if (project != null) {
      all.put("OpenAI-Project", project);
    }
    this.headers = Map.copyOf(all);
  }

  /** The headers every call carries. */
  public Map<String, String> headers() {
    return headers;
  }

  @Override
  public Response intercept(Chain chain) throws IOException {
    Request.Builder request = chain.request().newBuilder();
    headers.forEach(request::header);
    return chain.proceed(request.build());
  }

  @Override
  public String toString() {
    // the key must not reach a log through a debug print of the client
    return "EndpointHeaders" + headers.keySet();
  }
}
