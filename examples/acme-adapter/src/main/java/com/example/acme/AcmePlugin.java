package com.example.acme;

import dev.sheepdog.gateway.plugin.SheepdogPlugin;

/** Adds {@code type: acme} to the gateway. Listed in {@code META-INF/services}, under the interface's name. */
public final class AcmePlugin implements SheepdogPlugin {
  @Override
  public String name() {
    return "acme";
  }

  @Override
  public void register(Registrar registrar) {
    registrar.providerType("acme", new AcmeProviderFactory());
  }
}
