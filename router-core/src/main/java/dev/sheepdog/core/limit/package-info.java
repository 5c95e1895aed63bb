/**
 * Rate limits per model, requests and tokens per minute, enforced at admission before any network
 * call. {@link dev.sheepdog.core.limit.RateLimitRegistry} holds one lock-free {@link
 * dev.sheepdog.core.limit.ModelRateLimiter} per model; the router asks it before each attempt,
 * skips a model it refuses and, when every candidate is refused, may wait for the earliest slot.
 */
package dev.sheepdog.core.limit;
