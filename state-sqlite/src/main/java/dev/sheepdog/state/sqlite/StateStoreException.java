package dev.sheepdog.state.sqlite;

/**
 * The state store cannot do what was asked: its directory is in use or unreadable, its file is not
 * a Sheepdog state database, is corrupt or from a newer Sheepdog, or a write the caller waits for
 * (a {@linkplain SqliteStateStore#flush flush}, a settle of a deferred entry) failed.
 *
 * <p>The message is one line that names the file and what to do about it, fit for a log or a
 * startup error; it never carries a secret.
 */
public final class StateStoreException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public StateStoreException(String message) {
    super(message);
  }

  public StateStoreException(String message, Throwable cause) {
    super(message, cause);
  }
}
