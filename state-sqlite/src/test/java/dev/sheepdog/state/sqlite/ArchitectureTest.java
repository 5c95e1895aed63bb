package dev.sheepdog.state.sqlite;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/** The file store is an implementation of router-spi's state port and nothing more. */
@AnalyzeClasses(packages = "dev.sheepdog.state.sqlite", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

  @ArchTest
  static final ArchRule only_the_port_sqlite_and_json = classes()
      .that().resideInAPackage("dev.sheepdog.state.sqlite..")
      .should().onlyDependOnClassesThat().resideInAnyPackage("java..", "dev.sheepdog.spi..",
          "dev.sheepdog.state.sqlite..", "dev.sheepdog.state.codec..", "org.sqlite..", "com.squareup.moshi..", "okio..", "org.slf4j..")
      .because("a store implements the port: the router's core, the gateway and the adapters are not its business");
}
