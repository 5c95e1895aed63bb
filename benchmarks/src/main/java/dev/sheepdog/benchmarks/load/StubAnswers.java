package dev.sheepdog.benchmarks.load;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The stub's answers, in OpenAI's wire format: one chat completion, or the same answer as a stream
 * of chunks (a role chunk, {@code chunks} content chunks, a finish chunk, a usage chunk, {@code
 * [DONE]}). Both carry the same text and usage, so the two modes differ only in framing.
 */
final class StubAnswers {
  static final int PROMPT_TOKENS = 12;
  private static final String ID = "chatcmpl-stub";
  private static final String CREATED = "1700000000";

  private StubAnswers() {}

  /** The answer's text: {@code chunks} short words. */
  static String content(int chunks) {
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < chunks; i++) {
      text.append(piece(i));
    }
    return text.toString();
  }

  static byte[] json(String model, int chunks) {
    return ("{\"id\":\"" + ID + "\",\"object\":\"chat.completion\",\"created\":" + CREATED + ",\"model\":\"" + model
        + "\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"" + content(chunks)
        + "\",\"refusal\":null},\"logprobs\":null,\"finish_reason\":\"stop\"}]," + usage(chunks) + "}")
        .getBytes(StandardCharsets.UTF_8);
  }

  static byte[] stream(String model, int chunks) {
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    streamEvents(model, chunks).forEach(all::writeBytes);
    return all.toByteArray();
  }

  /** The events of {@link #stream}, each framed: the role chunk, the content chunks, finish, usage, [DONE]. */
  static List<byte[]> streamEvents(String model, int chunks) {
    String head = "{\"id\":\"" + ID + "\",\"object\":\"chat.completion.chunk\",\"created\":" + CREATED
        + ",\"model\":\"" + model + "\",";
    List<byte[]> events = new ArrayList<>();
    event(events, head + "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},"
        + "\"finish_reason\":null}]}");
    for (int i = 0; i < chunks; i++) {
      event(events, head + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"" + piece(i) + "\"},"
          + "\"finish_reason\":null}]}");
    }
    event(events, head + "\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}");
    event(events, head + "\"choices\":[]," + usage(chunks) + "}");
    event(events, "[DONE]");
    return events;
  }

  private static String piece(int i) {
    return "word" + i + " ";
  }

  private static String usage(int chunks) {
    return "\"usage\":{\"prompt_tokens\":" + PROMPT_TOKENS + ",\"completion_tokens\":" + chunks
        + ",\"total_tokens\":" + (PROMPT_TOKENS + chunks) + "}";
  }

  private static void event(List<byte[]> events, String data) {
    events.add(("data: " + data + "\n\n").getBytes(StandardCharsets.UTF_8));
  }
}
