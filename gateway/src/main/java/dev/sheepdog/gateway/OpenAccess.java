package dev.sheepdog.gateway;

import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;

/**
 * What keeps a gateway without client keys (allowed on loopback only) from being used by the web
 * pages its operator visits. A page cannot read a cross-origin answer, but it can send a "simple"
 * POST ({@code text/plain}, no preflight) that spends the operator's credit, and with DNS
 * rebinding it can read answers too, under a host name it controls. So, in open mode, a request is
 * refused with 403 when it carries an {@code Origin} other than the gateway's own, when its host
 * (the {@code Host} header, or the authority of an absolute request target) is not a loopback name
 * of the gateway's port, or when it has a body not declared {@code application/json} and no {@code
 * Authorization} header — a page can send neither a JSON body nor that header cross-origin without
 * a preflight, which the gateway never grants.
 */
final class OpenAccess {
  private static final int MAX_HOST_LENGTH = 270;

  private final Set<String> hostNames;

  /** {@code boundHost}: the address the gateway binds, accepted as a host name besides the loopback ones. */
  OpenAccess(String boundHost) {
    String bound = boundHost.toLowerCase(Locale.ROOT);
    if (bound.contains(":") && !bound.startsWith("[")) {
      bound = "[" + bound + "]";
    }
    Set<String> names = new HashSet<>(Set.of("localhost", "127.0.0.1", "[::1]"));
    names.add(bound);
    this.hostNames = Set.copyOf(names);
  }

  /** Why {@code request} is refused in open mode, or {@code null} when it may proceed. */
  ApiError refusal(Request request) {
    int port = Request.getLocalPort(request);
    String host = request.getHttpURI().getAuthority();
    if (host != null && !host.isEmpty() && !isGatewayAuthority(host, port)) {
      return ApiError.forbidden("the Host header must name this gateway on loopback (such as 127.0.0.1:" + port
          + "); a gateway without client keys only serves its own machine", "host_not_allowed");
    }
    String origin = request.getHeaders().get(HttpHeader.ORIGIN);
    if (origin != null && !isGatewayOrigin(origin, port)) {
      return ApiError.forbidden("cross-origin requests are refused by a gateway without client keys",
          "cross_origin_refused");
    }
    if (hasBody(request) && !request.getHeaders().contains(HttpHeader.AUTHORIZATION)
        && !isJson(request.getHeaders().get(HttpHeader.CONTENT_TYPE))) {
      return ApiError.forbidden("a request body must be sent as Content-Type: application/json",
          "content_type_not_allowed");
    }
    return null;
  }

  private boolean isGatewayOrigin(String origin, int port) {
    String prefix = "http://";
    return origin.length() > prefix.length() && origin.length() <= MAX_HOST_LENGTH
        && origin.regionMatches(true, 0, prefix, 0, prefix.length())
        && isGatewayAuthority(origin.substring(prefix.length()), port);
  }

  /** {@code authority} is {@code name[:port]} with a name of this gateway and its port (or none, on port 80). */
  private boolean isGatewayAuthority(String authority, int port) {
    if (authority.length() > MAX_HOST_LENGTH) {
      return false;
    }
    String value = authority.strip().toLowerCase(Locale.ROOT);
    int portStart = value.startsWith("[") ? value.indexOf("]:") + 1 : value.lastIndexOf(':');
    String name = portStart > 0 ? value.substring(0, portStart) : value;
    String givenPort = portStart > 0 ? value.substring(portStart + 1) : null;
    if (!hostNames.contains(name)) {
      return false;
    }
    if (givenPort == null) {
      return port == 80;
    }
    return givenPort.length() <= 5 && !givenPort.isEmpty() && givenPort.chars().allMatch(c -> c >= '0' && c <= '9')
        && Integer.parseInt(givenPort) == port;
  }

  private static boolean hasBody(Request request) {
    return request.getLength() > 0 || request.getHeaders().contains(HttpHeader.TRANSFER_ENCODING);
  }

  static boolean isJson(String contentType) {
    if (contentType == null) {
      return false;
    }
    int semicolon = contentType.indexOf(';');
    String type = (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).strip();
    return type.equalsIgnoreCase("application/json");
  }
}
