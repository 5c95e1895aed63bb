package dev.sheepdog.state.redis;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/** The shared store is an implementation of router-spi's state port and nothing more. */
@AnalyzeClasses(packages = "dev.sheepdog.state.redis", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

  @ArchTest
  static final ArchRule only_the_port_lettuce_and_the_codec = classes()
      .that().resideInAPackage("dev.sheepdog.state.redis..")
      .should().onlyDependOnClassesThat().resideInAnyPackage("java..", "dev.sheepdog.spi..",
          "dev.sheepdog.state.redis..", "dev.sheepdog.state.codec..", "io.lettuce..", "org.slf4j..")
      .because("a store implements the port: the router's core, the gateway and the adapters are not its business");
}
