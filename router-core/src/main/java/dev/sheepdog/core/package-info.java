/**
 * The routing domain: {@link dev.sheepdog.core.Router} plans each request, admits models through
 * their circuit breakers, calls providers, fails over, retries in rounds with backoff, enforces
 * deadlines and records what happened. Pure Java over the ports of {@code dev.sheepdog.spi}: no
 * HTTP, no JSON, no dependency injection (the optional Guice wiring lives in {@code
 * dev.sheepdog.core.inject}).
 */
package dev.sheepdog.core;
