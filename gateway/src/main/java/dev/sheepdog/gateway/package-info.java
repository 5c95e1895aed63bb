/**
 * The gateway: an OpenAI-compatible HTTP server in front of a {@link dev.sheepdog.core.Router}.
 * Clients change only their base URL; the gateway turns the request's {@code model} and the
 * {@code X-Sheepdog-*} headers into route hints, and answers in OpenAI's shapes.
 *
 * <p>A {@link GatewayServer} runs with {@link GatewaySettings}, built in code or from a YAML file
 * by the {@code config} package, which sits above this one: the server knows nothing of the file
 * or of the commands that start it.
 */
package dev.sheepdog.gateway;
