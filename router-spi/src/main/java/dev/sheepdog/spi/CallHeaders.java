package dev.sheepdog.spi;

import java.util.Map;

/**
 * Extra headers for one provider call, such as the W3C {@code traceparent} of the call's span. A
 * {@link RouterListener} that also implements this is asked once per attempt, right after it heard
 * that attempt's {@link RouterEvent.AttemptStarted}, and the router passes what it answers to the
 * provider in {@link CallOptions#headers()}.
 *
 * <p>Called on the router's hot path: be fast, and never throw (the router drops what a listener
 * throws, and the call goes without its headers). Answer an empty map when there is nothing to add.
 */
@FunctionalInterface
public interface CallHeaders {
  /** The headers for attempt {@code attempt} (from 1) of request {@code requestId} on {@code model}. */
  Map<String, String> headersFor(String requestId, ModelId model, int attempt);
}
