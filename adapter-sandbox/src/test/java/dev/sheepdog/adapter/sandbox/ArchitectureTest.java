package dev.sheepdog.adapter.sandbox;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.library.GeneralCodingRules;

/** The sandbox is an adapter like any other: it implements the ports and needs nothing else. */
@AnalyzeClasses(packages = "dev.sheepdog.adapter.sandbox", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

  @ArchTest
  static final ArchRule depends_only_on_the_spi_and_the_jdk = classes()
      .should().onlyDependOnClassesThat().resideInAnyPackage("java..", "dev.sheepdog.spi..", "dev.sheepdog.adapter.sandbox..")
      .because("simulated models need no HTTP, no core and no other adapter; the gateway serves their faults over HTTP");

  @ArchTest
  static final ArchRule no_generic_exceptions = GeneralCodingRules.NO_CLASSES_SHOULD_THROW_GENERIC_EXCEPTIONS;
}
