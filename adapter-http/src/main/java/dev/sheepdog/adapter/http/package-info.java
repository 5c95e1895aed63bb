/**
 * The HTTP plumbing of a third-party {@link dev.sheepdog.spi.ChatProvider} on Jetty 12's {@code
 * HttpClient}, written once: {@link dev.sheepdog.adapter.http.HttpCalls} sends an adapter's
 * request and keeps the contract's rules of timeouts, cancellation, bounded replies,
 * classification, one end per stream and no key in a message, while the adapter reads its
 * upstream's JSON with a {@link dev.sheepdog.adapter.http.ReplyReader}, a {@link
 * dev.sheepdog.adapter.http.LineHandler} and an {@link dev.sheepdog.adapter.http.ErrorReader}.
 *
 * <p>Depends on {@code router-spi} and Jetty's {@code jetty-client} only.
 */
package dev.sheepdog.adapter.http;
