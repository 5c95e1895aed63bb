package dev.sheepdog.gateway;

/**
 * Serves one method on one path, once {@link Endpoints} has checked the method and the key: it
 * answers through the exchange, now or later, and never blocks.
 */
@FunctionalInterface
interface Endpoint {
  void serve(Exchange exchange);

  /** Serves a path with an {@code {id}} segment, such as {@code /admin/deferred/{id}}. */
  @FunctionalInterface
  interface WithId {
    /** {@code id}: what the path holds in place of {@code {id}}, possibly empty; not yet checked. */
    void serve(Exchange exchange, String id);
  }
}
