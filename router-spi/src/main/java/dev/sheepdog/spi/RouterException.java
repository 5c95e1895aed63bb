package dev.sheepdog.spi;

/** The root of every exception Sheepdog throws. Unchecked. */
public class RouterException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public RouterException(String message) {
    super(message);
  }

  public RouterException(String message, Throwable cause) {
    super(message, cause);
  }
}
