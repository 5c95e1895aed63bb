package dev.sheepdog.gateway.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** {@code sheepdog} in a child JVM on the test class path, its output collected. */
final class SheepdogProcess implements AutoCloseable {
  private static final Pattern READY = Pattern.compile("Sheepdog is ready: OpenAI base URL (http://\\S+)/v1");

  final Process process;
  private final Path log;

  private SheepdogProcess(Process process, Path log) {
    this.process = process;
    this.log = log;
  }

  /**
   * Starts {@code sheepdog args} with {@code environment} added, its output going to {@code log}, in
   * the log's directory (where the default {@code ./sheepdog-state} then goes).
   */
  static SheepdogProcess start(Path log, Map<String, String> environment, String... args) {
    return run(List.of("-cp", System.getProperty("java.class.path"), SheepdogCli.class.getName()), log,
        environment, args);
  }

  /** {@link #start} of a packaged jar, as users run it: {@code java -jar jar args}. */
  static SheepdogProcess startJar(Path jar, Path log, Map<String, String> environment, String... args) {
    return run(List.of("-jar", jar.toAbsolutePath().toString()), log, environment, args);
  }

  /** Runs {@code command} (a launcher script, say) with {@code args}, its output to {@code log}. */
  static SheepdogProcess startCommand(List<String> command, Path log, Map<String, String> environment,
      String... args) {
    List<String> full = new ArrayList<>(command);
    full.addAll(List.of(args));
    return start(full, log, environment);
  }

  private static SheepdogProcess run(List<String> launch, Path log, Map<String, String> environment,
      String... args) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(launch);
    command.addAll(List.of(args));
    return start(command, log, environment);
  }

  private static SheepdogProcess start(List<String> command, Path log, Map<String, String> environment) {
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(log.toFile()).directory(log.toAbsolutePath().getParent().toFile());
    builder.environment().putAll(environment);
    try {
      return new SheepdogProcess(builder.start(), log);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The gateway's base URL (without {@code /v1}) once it says it is ready. */
  URI awaitReady() throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      Matcher matcher = READY.matcher(output());
      if (matcher.find()) {
        return URI.create(matcher.group(1));
      }
      if (!process.isAlive()) {
        break;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("sheepdog did not get ready; its output:\n" + output());
  }

  String output() {
    try {
      return Files.readString(log, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
    }
  }
}
