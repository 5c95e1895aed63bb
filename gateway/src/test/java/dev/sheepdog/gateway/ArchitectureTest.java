package dev.sheepdog.gateway;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.library.GeneralCodingRules;

/** The gateway composes modules through their public API only (see also {@link ModuleBoundariesTest}). */
@AnalyzeClasses(packages = "dev.sheepdog.gateway", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

  @ArchTest
  static final ArchRule no_retrofit_or_okhttp = noClasses()
      .should().dependOnClassesThat().resideInAnyPackage("retrofit2..", "okhttp3..")
      .because("upstream HTTP is the adapters' business; the gateway only serves");

  @ArchTest
  static final ArchRule routers_are_built_by_the_router_module = noClasses()
      .should().callMethod(dev.sheepdog.core.Router.class, "builder")
      .because("the gateway and the demo compose their router through RouterModule (GatewayModule for a YAML "
          + "file), so there is one composition path");

  @ArchTest
  static final ArchRule no_generic_exceptions = GeneralCodingRules.NO_CLASSES_SHOULD_THROW_GENERIC_EXCEPTIONS;
}
