package dev.sheepdog.gateway;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;

/**
 * The keys the gateway takes in {@code Authorization: Bearer <key>}: the clients' keys, which open
 * the client endpoints, and the admin key, which opens the admin endpoints and nothing else. A
 * request without the right key is answered 401 in OpenAI's error shape ({@code invalid_api_key}),
 * never with the key it gave.
 *
 * <p>Keys are compared in constant time, and a client's key with every configured one, so the time
 * an answer takes does not tell how much of a key was right. Spend is attributed to a client by a
 * tag with a hash of its key, made once here, never by the key.
 */
final class ApiKeys {
  private static final String OPEN_TAG = GatewayServer.CLIENT_TAG_PREFIX + "open";

  private final List<byte[]> clientKeys;
  /** The tag of each client key, in the order of {@link #clientKeys}. */
  private final List<String> clientTags;
  private final byte[] adminKey;

  /**
   * {@code clientKeys} empty: every client is served, as {@code client:open}; {@code adminKey}
   * {@code null}: there is no admin.
   */
  ApiKeys(Set<String> clientKeys, String adminKey) {
    List<String> keys = List.copyOf(clientKeys);
    this.clientKeys = keys.stream().map(k -> k.getBytes(StandardCharsets.UTF_8)).toList();
    this.clientTags = keys.stream().map(ApiKeys::clientTag).toList();
    this.adminKey = adminKey == null ? null : adminKey.getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Whether the request carries a client key; if so, the exchange's spend goes to that key's tag.
   * Without configured keys every client is {@code client:open}. Answers 401 otherwise.
   */
  boolean authenticateClient(Exchange exchange) {
    if (clientKeys.isEmpty()) {
      exchange.client(OPEN_TAG);
      return true;
    }
    String key = bearer(exchange.request());
    if (key == null) {
      exchange.error(ApiError.unauthorized("missing Authorization: Bearer <key> header"));
      return false;
    }
    byte[] given = key.getBytes(StandardCharsets.UTF_8);
    String tag = null;
    for (int i = 0; i < clientKeys.size(); i++) {
      // constant-time, and every key is compared, so response timing does not leak how much of a key was right
      if (MessageDigest.isEqual(clientKeys.get(i), given) && tag == null) {
        tag = clientTags.get(i);
      }
    }
    if (tag == null) {
      exchange.error(ApiError.unauthorized("the API key is not valid for this gateway"));
      return false;
    }
    exchange.client(tag);
    return true;
  }

  /** Whether the request carries the admin key; answers 404 when none is configured and 401 when it is not given. */
  boolean authenticateAdmin(Exchange exchange) {
    if (adminKey == null) {
      exchange.error(ApiError.notFound("the admin endpoints are disabled: no admin key is configured", "unknown_url",
          null));
      return false;
    }
    String key = bearer(exchange.request());
    if (key == null || !MessageDigest.isEqual(adminKey, key.getBytes(StandardCharsets.UTF_8))) {
      exchange.error(ApiError.unauthorized("the admin endpoints need the admin key"));
      return false;
    }
    return true;
  }

  /** Whether an admin key is configured: without one, the admin endpoints and the dashboard do not exist. */
  boolean hasAdminKey() {
    return adminKey != null;
  }

  /** {@code client:} and the first 12 hex digits of the key's SHA-256. */
  private static String clientTag(String key) {
    return GatewayServer.CLIENT_TAG_PREFIX + sha256(key).substring(0, 12);
  }

  /** The key of a {@code Bearer} authorization (the scheme in any case), or {@code null} when there is none. */
  private static String bearer(Request request) {
    String header = request.getHeaders().get(HttpHeader.AUTHORIZATION);
    if (header == null || header.length() < 7 || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return null;
    }
    String key = header.substring(7).strip();
    return key.isEmpty() ? null : key;
  }

  private static String sha256(String text) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
          .digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from the JDK", e);
    }
  }
}
