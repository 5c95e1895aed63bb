package dev.sheepdog.gateway;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.server.Request;

/**
 * The gateway's paths: which method on which path goes to which {@link Endpoint}, and which key it
 * takes. A request on a path of none is a 404; a method its path does not take, a 405 with {@code
 * Allow}; then the key is checked ({@link ApiKeys}), and the endpoint serves.
 *
 * <p>A path is exact ({@code /v1/models}) or holds one {@code {id}} segment ({@code
 * /admin/deferred/{id}}). An exact path wins; among patterns, the one with the longest fixed part,
 * so {@code /admin/deferred/{id}/replay} is not taken for an entry of {@code /admin/deferred/{id}}.
 *
 * <p>Each path is also the {@code endpoint} label of the HTTP counter, a path with an id counted
 * under its pattern, so there are as many labels as endpoints, and {@code other} for the rest.
 */
final class Endpoints {
  /** The label of a path that is no endpoint's. */
  private static final String OTHER = "other";
  private static final String ID = "{id}";

  /** Who may call an endpoint. */
  enum Access {
    /** Anyone who reaches the gateway, without a key. */
    PUBLIC,
    /** A client with one of the client keys; anyone when none is configured. */
    CLIENT,
    /** The admin, with the admin key; nobody when none is configured. */
    ADMIN
  }

  private final ApiKeys keys;
  private final Map<String, Path> exact;
  /** Longest fixed part first. */
  private final List<Path> patterns;

  private Endpoints(ApiKeys keys, Map<String, Path> exact, List<Path> patterns) {
    this.keys = keys;
    this.exact = Map.copyOf(exact);
    this.patterns = patterns.stream()
        .sorted(Comparator.comparingInt((Path path) -> path.prefix().length() + path.suffix().length()).reversed())
        .toList();
  }

  /** An empty table whose endpoints are guarded by {@code keys}. */
  static Builder builder(ApiKeys keys) {
    return new Builder(keys);
  }

  /** Answers the request: by its endpoint, or with the 404, 405 or 401 that keeps it from one. */
  void dispatch(Exchange exchange) {
    Request request = exchange.request();
    String method = request.getMethod();
    String path = Request.getPathInContext(request);
    Path found = find(path);
    if (found == null) {
      exchange.error(ApiError.notFound("no endpoint " + method + " " + path, "unknown_url", null));
      return;
    }
    Route route = found.methods().get(method);
    if (route == null) {
      exchange.response().getHeaders().put("Allow", String.join(", ", found.methods().keySet()));
      exchange.error(new ApiError(405, "use " + String.join(" or ", found.methods().keySet())
          + " on this endpoint", "invalid_request_error", "method_not_allowed", null, null, null));
      return;
    }
    boolean admitted = switch (route.access()) {
      case PUBLIC -> true;
      case CLIENT -> keys.authenticateClient(exchange);
      case ADMIN -> keys.authenticateAdmin(exchange);
    };
    if (admitted) {
      route.endpoint().serve(exchange, found.id(path));
    }
  }

  /** The {@code endpoint} label of {@code path}: the path, or pattern, of its endpoint; {@link #OTHER} when none. */
  String label(String path) {
    Path found = find(path);
    return found == null ? OTHER : found.pattern();
  }

  private Path find(String path) {
    Path found = exact.get(path);
    if (found != null) {
      return found;
    }
    for (Path pattern : patterns) {
      if (pattern.matches(path)) {
        return pattern;
      }
    }
    return null;
  }

  private record Route(Access access, Endpoint.WithId endpoint) {}

  /** A path (exact when {@code suffix} is {@code null}) and its endpoints by method, in the order they were added. */
  private record Path(String pattern, String prefix, String suffix, Map<String, Route> methods) {
    static Path of(String pattern) {
      int id = pattern.indexOf(ID);
      return id < 0 ? new Path(pattern, pattern, null, new LinkedHashMap<>())
          : new Path(pattern, pattern.substring(0, id), pattern.substring(id + ID.length()), new LinkedHashMap<>());
    }

    /** This path with its methods fixed. */
    Path frozen() {
      return new Path(pattern, prefix, suffix, Collections.unmodifiableMap(new LinkedHashMap<>(methods)));
    }

    boolean isExact() {
      return suffix == null;
    }

    boolean matches(String path) {
      return path.length() >= prefix.length() + suffix.length() && path.startsWith(prefix) && path.endsWith(suffix);
    }

    /** What {@code path} holds in place of {@code {id}}; {@code null} for an exact path. */
    String id(String path) {
      return isExact() ? null : path.substring(prefix.length(), path.length() - suffix.length());
    }
  }

  /** Adds endpoints one method and path at a time; {@link #build()} makes the table. Not thread-safe. */
  static final class Builder {
    private final ApiKeys keys;
    private final Map<String, Path> paths = new LinkedHashMap<>();

    private Builder(ApiKeys keys) {
      this.keys = keys;
    }

    /** {@code GET path}, an exact path. */
    Builder get(String path, Access access, Endpoint endpoint) {
      return add("GET", exact(path), access, (exchange, id) -> endpoint.serve(exchange));
    }

    /** {@code GET pattern}, a path with one {@code {id}} segment. */
    Builder get(String pattern, Access access, Endpoint.WithId endpoint) {
      return add("GET", withId(pattern), access, endpoint);
    }

    /** {@code POST path}, an exact path. */
    Builder post(String path, Access access, Endpoint endpoint) {
      return add("POST", exact(path), access, (exchange, id) -> endpoint.serve(exchange));
    }

    /** {@code POST pattern}, a path with one {@code {id}} segment. */
    Builder post(String pattern, Access access, Endpoint.WithId endpoint) {
      return add("POST", withId(pattern), access, endpoint);
    }

    Endpoints build() {
      Map<String, Path> exact = new HashMap<>();
      List<Path> patterns = new ArrayList<>();
      for (Path path : paths.values()) {
        path = path.frozen();
        if (path.isExact()) {
          exact.put(path.pattern(), path);
        } else {
          patterns.add(path);
        }
      }
      return new Endpoints(keys, exact, patterns);
    }

    private Builder add(String method, String pattern, Access access, Endpoint.WithId endpoint) {
      Route previous = paths.computeIfAbsent(pattern, Path::of).methods().putIfAbsent(method, new Route(access,
          endpoint));
      if (previous != null) {
        throw new IllegalArgumentException(method + " " + pattern + " is added twice");
      }
      return this;
    }

    private static String exact(String path) {
      if (!path.startsWith("/") || path.contains(ID)) {
        throw new IllegalArgumentException("an exact path starts with / and holds no " + ID + ": " + path);
      }
      return path;
    }

    private static String withId(String pattern) {
      int id = pattern.indexOf(ID);
      if (!pattern.startsWith("/") || id < 0 || pattern.indexOf(ID, id + 1) >= 0) {
        throw new IllegalArgumentException("a path with an id starts with / and holds " + ID + " once: " + pattern);
      }
      return pattern;
    }
  }
}
