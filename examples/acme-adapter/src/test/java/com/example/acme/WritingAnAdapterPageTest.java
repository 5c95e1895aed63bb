package com.example.acme;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * docs/writing-an-adapter.md cannot drift from this module: each of its Java samples is in the
 * module's sources (whitespace aside), its pom pins the versions Sheepdog is built with and
 * declares this module's dependencies, and the sizes it states are the files' sizes. The provider
 * stays within the bar the page promises: one file of at most 120 lines.
 */
class WritingAnAdapterPageTest {
  private static final Path MODULE = Path.of(System.getProperty("basedir", ".")).toAbsolutePath();
  private static final Path ROOT = MODULE.resolve("../..").normalize();
  private static final Path PAGE = ROOT.resolve("docs/writing-an-adapter.md");
  private static final Pattern FENCE = Pattern.compile("```(\\w+)\\n(.*?)\\n```", Pattern.DOTALL);
  private static final Pattern SIZE_ROW = Pattern.compile(
      "\\| `(\\w+\\.java)` \\| (\\d+) lines \\| (\\d+) lines \\|");

  @Test
  void every_java_sample_is_in_the_modules_sources() throws IOException {
    // given
    List<String> sources = new ArrayList<>();
    try (Stream<Path> files = Files.walk(MODULE.resolve("src"))) {
      for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
        sources.add(normalised(Files.readString(file)));
      }
    }
    // when
    List<String> samples = blocks("java");
    // then
    assertThat(samples).hasSizeGreaterThanOrEqualTo(10);
    for (String sample : samples) {
      String wanted = normalised(sample);
      assertThat(sources.stream().anyMatch(source -> source.contains(wanted)))
          .as("this sample of %s is in examples/acme-adapter/src, whitespace aside:%n%s", PAGE.getFileName(), sample)
          .isTrue();
    }
  }

  @Test
  void the_pom_pins_the_versions_sheepdog_is_built_with() throws Exception {
    // given
    Document page = xml(onlyBlock("xml"));
    Document root = xml(Files.readString(ROOT.resolve("pom.xml")));
    Map<String, String> pinned = properties(root);
    String sheepdogVersion = text(child(root.getDocumentElement(), "version"));
    // when
    Map<String, String> versions = properties(page);
    versions.keySet().removeIf(name -> !name.endsWith(".version"));
    // then every third-party version is a property at Sheepdog's value
    assertThat(versions).containsOnlyKeys("jetty.version", "moshi.version", "guice.version", "okhttp.version",
        "okio.version", "kotlin-stdlib.version", "junit.version", "assertj.version", "resources-plugin.version",
        "compiler-plugin.version", "surefire-plugin.version", "jar-plugin.version");
    versions.forEach((name, value) -> assertThat(value).as(name).isEqualTo(pinned.get(name)));
    assertThat(properties(page)).containsEntry("maven.compiler.release", pinned.get("maven.compiler.release"));
    // and every other version names a property, or is the BOM's, at Sheepdog's version
    NodeList elements = page.getElementsByTagName("version");
    for (int i = 0; i < elements.getLength(); i++) {
      Element version = (Element) elements.item(i);
      Element owner = (Element) version.getParentNode();
      String artifact = text(child(owner, "artifactId"));
      if (owner == page.getDocumentElement()) {
        continue; // the adapter's own version
      }
      if (artifact.equals("sheepdog-bom")) {
        assertThat(text(version)).isEqualTo(sheepdogVersion);
      } else {
        assertThat(text(version)).as("the version of %s", artifact).matches("\\$\\{[\\w.-]+\\.version}");
      }
    }
  }

  @Test
  void the_pom_declares_this_modules_dependencies() throws Exception {
    // given
    Document page = xml(onlyBlock("xml"));
    Document module = xml(Files.readString(MODULE.resolve("pom.xml")));
    // when / then
    assertThat(dependencies(page)).isEqualTo(dependencies(module));
  }

  @Test
  void the_stated_sizes_are_the_files_sizes() throws IOException {
    // given
    Matcher rows = SIZE_ROW.matcher(Files.readString(PAGE));
    int checked = 0;
    while (rows.find()) {
      List<String> lines = Files.readAllLines(MODULE.resolve("src/main/java/com/example/acme").resolve(rows.group(1)));
      int classStart = 0;
      while (!lines.get(classStart).matches("(public )?final class .*")) {
        classStart++;
      }
      // then
      assertThat(lines).as("the lines of %s", rows.group(1)).hasSize(Integer.parseInt(rows.group(2)));
      assertThat(lines.size() - classStart).as("the lines of %s's class", rows.group(1))
          .isEqualTo(Integer.parseInt(rows.group(3)));
      checked++;
    }
    assertThat(checked).isEqualTo(1);
  }

  @Test
  void the_provider_is_one_file_of_at_most_120_lines() throws IOException {
    // given
    Path sources = MODULE.resolve("src/main/java/com/example/acme");
    List<Path> providers;
    try (Stream<Path> files = Files.list(sources)) {
      providers = files.filter(file -> read(file).contains(" implements ChatProvider ")).toList();
    }
    // when / then: the whole file counts, imports and blank lines included
    assertThat(providers).extracting(file -> file.getFileName().toString()).containsExactly("AcmeProvider.java");
    assertThat(Files.readAllLines(providers.get(0))).as("the lines of AcmeProvider.java").hasSizeLessThanOrEqualTo(120);
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Test
  void the_readme_and_the_adapters_page_link_here() throws IOException {
    // when / then
    assertThat(Files.readString(ROOT.resolve("README.md"))).contains("(docs/writing-an-adapter.md)");
    assertThat(Files.readString(ROOT.resolve("docs/adapters.md"))).contains("(writing-an-adapter.md)");
  }

  private static List<String> blocks(String language) throws IOException {
    List<String> blocks = new ArrayList<>();
    Matcher fence = FENCE.matcher(Files.readString(PAGE));
    while (fence.find()) {
      if (fence.group(1).equals(language)) {
        blocks.add(fence.group(2));
      }
    }
    return blocks;
  }

  private static String onlyBlock(String language) throws IOException {
    List<String> blocks = blocks(language);
    assertThat(blocks).as("```%s blocks", language).hasSize(1);
    return blocks.get(0);
  }

  private static String normalised(String text) {
    return text.replaceAll("\\s+", " ").trim();
  }

  private static Document xml(String text) throws Exception {
    return DocumentBuilderFactory.newInstance().newDocumentBuilder()
        .parse(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)));
  }

  /** The project's {@code <properties>}. */
  private static Map<String, String> properties(Document pom) {
    Map<String, String> properties = new LinkedHashMap<>();
    for (Element property : children(child(pom.getDocumentElement(), "properties"))) {
      properties.put(property.getTagName(), text(property));
    }
    return properties;
  }

  /** {@code groupId:artifactId}, with its scope and whether optional, of each of the project's dependencies. */
  private static Set<String> dependencies(Document pom) {
    Set<String> dependencies = new TreeSet<>();
    for (Element dependency : children(child(pom.getDocumentElement(), "dependencies"))) {
      Element scope = child(dependency, "scope");
      Element optional = child(dependency, "optional");
      dependencies.add(text(child(dependency, "groupId")) + ":" + text(child(dependency, "artifactId"))
          + (scope == null ? "" : " " + text(scope)) + (optional == null ? "" : " optional"));
    }
    return dependencies;
  }

  private static Element child(Element parent, String name) {
    for (Element element : children(parent)) {
      if (element.getTagName().equals(name)) {
        return element;
      }
    }
    return null;
  }

  private static List<Element> children(Element parent) {
    List<Element> elements = new ArrayList<>();
    NodeList nodes = parent.getChildNodes();
    for (int i = 0; i < nodes.getLength(); i++) {
      if (nodes.item(i).getNodeType() == Node.ELEMENT_NODE) {
        elements.add((Element) nodes.item(i));
      }
    }
    return elements;
  }

  private static String text(Element element) {
    return element.getTextContent().trim();
  }
}
