package dev.sheepdog.wire.openai;

/**
 * A document that does not have OpenAI's shape: a client's request the gateway refuses (a 400
 * naming {@link #param()}), or an upstream's reply an adapter cannot read. The message names the
 * member at fault and what was expected; it never quotes the document, which may hold a prompt or
 * a key.
 */
public final class WireFormatException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String code;
  private final String param;

  /**
   * @param message what is wrong, without the document's content
   * @param code OpenAI's error code for it ({@code invalid_json}, {@code invalid_value})
   * @param param the member at fault, such as {@code messages[2].role}, or {@code null}
   */
  public WireFormatException(String message, String code, String param) {
    super(message);
    this.code = code;
    this.param = param;
  }

  /** A member that is missing or not of the expected kind. */
  static WireFormatException missingOrWrong(String param, String expected) {
    return new WireFormatException(param + " is missing or is not " + expected, "invalid_value", param);
  }

  /** OpenAI's error code for the problem: {@code invalid_json} or {@code invalid_value}. */
  public String code() {
    return code;
  }

  /** The member at fault, or {@code null} when the document as a whole is. */
  public String param() {
    return param;
  }
}
