package dev.sheepdog.adapter.openai.internal;

import dev.sheepdog.spi.ChatChunk;
import dev.sheepdog.spi.ChatResponse;
import dev.sheepdog.spi.EmbeddingResponse;
import dev.sheepdog.spi.FailureKind;
import dev.sheepdog.spi.ProviderException;
import dev.sheepdog.wire.openai.ChatAnswerFormat;
import dev.sheepdog.wire.openai.EmbeddingFormat;
import dev.sheepdog.wire.openai.ModelListFormat;
import dev.sheepdog.wire.openai.WireFormatException;
import dev.sheepdog.wire.openai.WireJson;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import okio.Buffer;

/**
 * An upstream's replies read through the OpenAI wire format, with what cannot be read turned into
 * a {@link FailureKind#MALFORMED_RESPONSE} failure: a reply we cannot read is the upstream's
 * fault, and another model may do better. Messages name members, never the reply's content.
 */
public final class Replies {
  private Replies() {}

  /** The JSON object in {@code utf8}, consumed; {@code what} names it in the failure. */
  public static Map<String, Object> object(Buffer utf8, String what, int status) {
    return read(status, () -> WireJson.object(WireJson.parse(utf8), what));
  }

  /** The JSON object in {@code json}; {@code what} names it in the failure. */
  public static Map<String, Object> object(String json, String what, int status) {
    return read(status, () -> WireJson.object(WireJson.parse(json), what));
  }

  public static ChatResponse answer(Map<String, Object> json, int status) {
    return read(status, () -> ChatAnswerFormat.decodeAnswer(json));
  }

  public static ChatChunk chunk(Map<String, Object> json, int status) {
    return read(status, () -> ChatAnswerFormat.decodeChunk(json));
  }

  /** The vectors of {@code POST /embeddings}, read from {@code utf8}, consumed. */
  public static EmbeddingResponse embeddings(int status, Buffer utf8) {
    return read(status, () -> EmbeddingFormat.decodeAnswer(utf8));
  }

  /**
   * The {@code error} member of a reply that is a JSON object and has no {@code data}, as some
   * compatible servers send with a 200; {@code null} for any other reply. {@code utf8} is consumed.
   */
  public static Object errorMember(Buffer utf8) {
    try {
      return WireJson.parse(utf8) instanceof Map<?, ?> json && json.get("data") == null ? json.get("error") : null;
    } catch (WireFormatException e) {
      return null;
    }
  }

  /** The ids of {@code GET /models}. */
  public static List<String> modelIds(int status, Buffer utf8) {
    return read(status, () -> ModelListFormat.decodeIds(WireJson.parse(utf8)));
  }

  private static <T> T read(int status, Supplier<T> reading) {
    try {
      return reading.get();
    } catch (WireFormatException e) {
      // a syntax error's message may quote the reply: only its kind is kept
      String why = "invalid_json".equals(e.code()) ? "unreadable JSON" : e.getMessage();
      throw new ProviderException(FailureKind.MALFORMED_RESPONSE, status, why, null, null);
    }
  }
}
