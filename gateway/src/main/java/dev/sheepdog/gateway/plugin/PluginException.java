package dev.sheepdog.gateway.plugin;

/** A plug-in that cannot be loaded: a missing directory, a jar without a plug-in, a name taken twice. */
public final class PluginException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public PluginException(String message) {
    super(message);
  }

  public PluginException(String message, Throwable cause) {
    super(message, cause);
  }
}
