package dev.sheepdog.gateway.config;

import dev.sheepdog.adapter.holysheep.HolySheep;

/**
 * {@code type: holysheep}: the OpenAI-compatible type with HolySheep's base URL and key variable
 * ({@value HolySheep#API_KEY_ENV}) as defaults.
 */
final class HolySheepProviderFactory implements ProviderFactory {
  static final String TYPE = "holysheep";

  @Override
  public PreparedProvider prepare(ConfigNode section, String name) {
    return OpenAiProviderFactory.read(section, HolySheep.BASE_URL, HolySheep.API_KEY_ENV);
  }
}
