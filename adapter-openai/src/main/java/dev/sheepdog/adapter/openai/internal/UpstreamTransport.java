package dev.sheepdog.adapter.openai.internal;

import java.time.Duration;
import okhttp3.Call;
import okhttp3.HttpUrl;
import okio.ByteString;

/**
 * What carries an OpenAI-compatible provider's calls: JSON calls as an OkHttp {@link Call.Factory}
 * (the one Retrofit calls through) and event streams fed to an {@link SseStreamBridge}. The
 * protocol (codec, classification, stream parsing) is the same whichever transport carries it.
 */
public interface UpstreamTransport extends AutoCloseable {
  /** Where Retrofit's JSON calls go. */
  Call.Factory callFactory();

  /**
   * Posts {@code body} to {@code url} asking for an event stream, and reports what comes back to
   * {@code bridge}, after {@link SseStreamBridge#attach attaching} a way to abort the call. Never
   * blocks the caller.
   *
   * @param callTimeout until the reply's headers; after them, the read timeout bounds each silence
   */
  void stream(HttpUrl url, ByteString body, String requestId, java.util.Map<String, String> headers,
      Duration callTimeout, SseStreamBridge bridge);

  /** What calls in flight are counted by, per host: the client, shared or not. */
  Object client();

  /** Releases what this transport owns (never a client it was given to share). */
  @Override
  void close();
}
