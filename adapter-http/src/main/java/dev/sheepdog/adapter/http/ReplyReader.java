package dev.sheepdog.adapter.http;

/**
 * Reads the answer from a whole 2xx reply, for {@link HttpCalls#send}.
 *
 * <pre>{@code
 * ReplyReader<ChatResponse> answer = reply -> {
 *   Answer json = ANSWER_JSON.fromJson(reply.body());
 *   return ChatResponse.of(json.id(), model.upstreamName(), json.text(), "stop", json.usage());
 * };
 * }</pre>
 *
 * <p>Whatever it throws fails the call: a {@link dev.sheepdog.spi.ProviderException} as it is
 * (secrets masked), anything else (a JSON library's exception, a {@code NullPointerException} on a
 * missing field) as {@link dev.sheepdog.spi.FailureKind#MALFORMED_RESPONSE}. Returning {@code null}
 * is {@code MALFORMED_RESPONSE} too. It runs on the HTTP client's thread: keep it quick.
 *
 * @param <T> the answer, usually a {@link dev.sheepdog.spi.ChatResponse}
 */
@FunctionalInterface
public interface ReplyReader<T> {
  T read(HttpReply reply) throws Exception;
}
