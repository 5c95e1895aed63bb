/**
 * Rate limits per model, requests and tokens per minute, enforced at admission before any network
 * call. Each model the router knows has one lock-free {@link dev.sheepdog.core.limit.ModelRateLimiter},
 * built from its catalog spec; the router asks it before each attempt, skips a model it refuses
 * and, when every candidate is refused, may wait for the earliest slot. A reservation larger than a
 * model's whole tokens-per-minute limit never fits: the router leaves that model out of the
 * request's plan instead of waiting for it.
 */
package dev.sheepdog.core.limit;
