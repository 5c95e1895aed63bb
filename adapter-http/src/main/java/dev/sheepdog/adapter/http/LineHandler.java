package dev.sheepdog.adapter.http;

import dev.sheepdog.spi.ChatChunk;

/**
 * Turns each line of a streamed 2xx reply into chunks, for {@link HttpCalls#streamLines}: for
 * newline-delimited JSON ({@code application/x-ndjson}) and other line protocols.
 *
 * <pre>{@code
 * LineHandler lines = (line, out) -> {
 *   Piece piece = PIECE_JSON.fromJson(line);
 *   if (piece.usage() != null) {
 *     out.end(usageChunk(piece));            // the upstream's end marker: the stream completes
 *   } else {
 *     out.chunk(ChatChunk.ofText(id, model, piece.text(), null));
 *   }
 * };
 * }</pre>
 *
 * <p>Each line comes without its {@code \n} (or {@code \r\n}), decoded as UTF-8; blank lines
 * (keep-alives) never reach the handler. Lines come one at a time, in order, never concurrently,
 * on the HTTP client's thread: keep it quick.
 *
 * <p>Whatever it throws ends the stream with an error and aborts the exchange: a {@link
 * dev.sheepdog.spi.ProviderException} as it is (an error the upstream reported mid-stream, say),
 * anything else as {@link dev.sheepdog.spi.FailureKind#MALFORMED_RESPONSE}. Chunks the handler
 * gave for that line are dropped.
 */
@FunctionalInterface
public interface LineHandler {
  /**
   * @param line one non-blank line of the body, without its line break
   * @param out where this line's chunks go; valid only until this call returns
   */
  void onLine(String line, Sink out) throws Exception;

  /**
   * What one line yields: none, one or several chunks, and perhaps the end of the stream. The
   * chunks reach the {@link dev.sheepdog.spi.StreamListener} once {@link #onLine} has returned.
   */
  interface Sink {
    /** Passes {@code chunk} on to the listener. */
    void chunk(ChatChunk chunk);

    /**
     * The upstream's end marker: the stream completes ({@code onComplete}) after this line's
     * chunks, and whatever the body holds after this line is read and dropped. A stream whose body
     * ends without it ends in an error, never a short answer.
     */
    void end();

    /** {@link #chunk} then {@link #end}: the last chunk, often the one with the usage. */
    default void end(ChatChunk last) {
      chunk(last);
      end();
    }
  }
}
