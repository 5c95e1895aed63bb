/**
 * The gateway: an OpenAI-compatible HTTP server in front of a {@link dev.sheepdog.core.Router}.
 * Clients change only their base URL; the gateway turns the request's {@code model} and the
 * {@code X-Sheepdog-*} headers into route hints, and answers in OpenAI's shapes.
 */
package dev.sheepdog.gateway;
