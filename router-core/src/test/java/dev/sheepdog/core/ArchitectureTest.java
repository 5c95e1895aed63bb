package dev.sheepdog.core;

import static com.tngtech.archunit.lang.SimpleConditionEvent.violated;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noFields;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.library.GeneralCodingRules;

/**
 * The module rules of the design (§2) that can be checked from here: router-spi, router-core and
 * router-testkit are on this classpath; adapters, policies and the gateway check their own.
 */
@AnalyzeClasses(packages = "dev.sheepdog", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

  @ArchTest
  static final ArchRule spi_depends_only_on_the_jdk = classes()
      .that().resideInAPackage("dev.sheepdog.spi..")
      .should().onlyDependOnClassesThat().resideInAnyPackage("java..", "dev.sheepdog.spi..")
      .because("adapters and policies implement the ports without pulling in anything else");

  @ArchTest
  static final ArchRule core_stays_free_of_wire_web_metrics_and_plugin_code = noClasses()
      .that().resideInAPackage("dev.sheepdog.core..")
      .should().dependOnClassesThat().resideInAnyPackage(
          "retrofit2..", "com.squareup..", "okhttp3..", "io.javalin..", "org.eclipse.jetty..", "io.micrometer..",
          "io.opentelemetry..",
          "dev.sheepdog.adapter..", "dev.sheepdog.policy..", "dev.sheepdog.gateway..")
      .because("the core is the pure domain; technology lives in adapters and the gateway");

  @ArchTest
  static final ArchRule guice_only_in_the_inject_package = noClasses()
      .that().resideOutsideOfPackage("dev.sheepdog.core.inject..")
      .should().dependOnClassesThat().resideInAPackage("com.google.inject..")
      .because("Guice is the wiring, not the model; users without Guice build the router by hand");

  @ArchTest
  static final ArchRule core_sub_packages_are_free_of_cycles = slices()
      .matching("dev.sheepdog.core.(*)..")
      .should().beFreeOfCycles();

  @ArchTest
  static final ArchRule no_field_injection = noFields()
      .should().beAnnotatedWith("javax.inject.Inject")
      .orShould().beAnnotatedWith("jakarta.inject.Inject")
      .orShould().beAnnotatedWith("com.google.inject.Inject")
      .because("constructor injection keeps fields final and classes usable without a container");

  @ArchTest
  static final ArchRule no_generic_exceptions = GeneralCodingRules.NO_CLASSES_SHOULD_THROW_GENERIC_EXCEPTIONS;

  @ArchTest
  static final ArchRule internal_packages_stay_inside_their_module = classes()
      .should(onlyUseInternalPackagesOfTheirOwnModule());

  /** {@code dev.sheepdog.core}, or {@code dev.sheepdog.adapter.openai} for the adapter and policy families. */
  static String moduleOf(String packageName) {
    String[] parts = packageName.split("\\.");
    boolean family = parts.length > 3 && (parts[2].equals("adapter") || parts[2].equals("policy"));
    int depth = Math.min(parts.length, family ? 4 : 3);
    return String.join(".", java.util.Arrays.copyOf(parts, depth));
  }

  private static ArchCondition<JavaClass> onlyUseInternalPackagesOfTheirOwnModule() {
    return new ArchCondition<>("only use ..internal.. packages of their own module") {
      @Override
      public void check(JavaClass origin, ConditionEvents events) {
        for (Dependency dependency : origin.getDirectDependenciesFromSelf()) {
          String target = dependency.getTargetClass().getPackageName();
          if (target.startsWith("dev.sheepdog.") && (target.contains(".internal.") || target.endsWith(".internal"))
              && !moduleOf(target).equals(moduleOf(origin.getPackageName()))) {
            events.add(violated(origin, dependency.getDescription()));
          }
        }
      }
    };
  }
}
