package dev.sheepdog.state.redis;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A Lua script shipped as a resource beside this class, with the SHA-1 digest Redis knows it by.
 *
 * @param name the resource's file name, for messages
 * @param source the script
 * @param sha its SHA-1 in lower-case hex, as {@code EVALSHA} takes it
 */
record LuaScript(String name, String source, String sha) {
  static LuaScript load(String name) {
    try (InputStream in = LuaScript.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("script " + name + " is missing from the jar");
      }
      String source = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      byte[] digest = MessageDigest.getInstance("SHA-1").digest(source.getBytes(StandardCharsets.UTF_8));
      return new LuaScript(name, source, HexFormat.of().formatHex(digest));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-1 is missing from this JVM", e);
    }
  }
}
