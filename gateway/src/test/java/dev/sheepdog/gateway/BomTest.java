package dev.sheepdog.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The BOM manages every module users may depend on, at the build's version, and the docs say how. */
class BomTest {
  private static final Path ROOT = Path.of("..");
  private static final Pattern MODULE = Pattern.compile("<module>([^<]+)</module>");
  private static final Pattern MANAGED = Pattern.compile(
      "<groupId>dev\\.sheepdog</groupId>\\s*<artifactId>([^<]+)</artifactId>\\s*<version>\\$\\{project\\.version}</version>");
  private static final Pattern VERSION = Pattern.compile("<artifactId>sheepdog-parent</artifactId>\\s*<version>([^<]+)</version>");

  @Test
  void theBomManagesEveryPublishedModuleAtTheProjectsVersion() throws IOException {
    String parent = Files.readString(ROOT.resolve("pom.xml"));
    String bom = Files.readString(ROOT.resolve("sheepdog-bom/pom.xml"));
    List<String> modules = all(MODULE, parent);
    modules.removeAll(List.of("sheepdog-bom", "benchmarks")); // the BOM itself; measurements, not a library
    modules.removeIf(module -> module.startsWith("examples/")); // samples of third parties' code, not ours to ship
    String version = first(VERSION, parent);

    assertThat(all(MANAGED, bom)).containsExactlyInAnyOrderElementsOf(modules);
    assertThat(bom).contains("<artifactId>sheepdog-bom</artifactId>\n  <version>" + version + "</version>")
        .doesNotContain("<parent>");
  }

  @Test
  void theEmbeddingGuideImportsTheBomAtTheCurrentVersion() throws IOException {
    String version = first(VERSION, Files.readString(ROOT.resolve("pom.xml")));
    String guide = Files.readString(ROOT.resolve("docs/embedding.md"));

    assertThat(guide).contains("<artifactId>sheepdog-bom</artifactId>\n      <version>" + version + "</version>\n"
        + "      <type>pom</type>\n      <scope>import</scope>");
  }

  private static List<String> all(Pattern pattern, String text) {
    List<String> found = new ArrayList<>();
    Matcher matcher = pattern.matcher(text);
    while (matcher.find()) {
      found.add(matcher.group(1));
    }
    return found;
  }

  private static String first(Pattern pattern, String text) {
    Matcher matcher = pattern.matcher(text);
    assertThat(matcher.find()).as(pattern.pattern()).isTrue();
    return matcher.group(1);
  }
}
