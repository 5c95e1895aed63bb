/**
 * Deferred requests: the bounded {@link dev.sheepdog.core.deferred.InMemoryDeferredQueue} where
 * requests that failed on every model wait, and the {@link
 * dev.sheepdog.core.deferred.DeferredReplayer} that replays them with backoff and dead-letters
 * them after too many failures. {@link dev.sheepdog.core.deferred.DeferredQuota} wraps any queue
 * to cap what each client may keep queued. Entries are plain data with an idempotency key, so a durable queue
 * can replace the in-memory one; a durable queue replays at least once.
 */
package dev.sheepdog.core.deferred;
