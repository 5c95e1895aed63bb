package dev.sheepdog.gateway;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;

import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;

/**
 * Across every Sheepdog module the gateway ships: a module's {@code internal} package is its own,
 * and the OpenAI wire format stands on router-spi alone, so the gateway and the OpenAI adapter
 * share it without reaching into each other.
 */
@AnalyzeClasses(packages = "dev.sheepdog", importOptions = ImportOption.DoNotIncludeTests.class)
class ModuleBoundariesTest {
  private static final String INTERNAL = ".internal";

  @ArchTest
  static final ArchRule internal_packages_are_used_only_by_their_own_module = classes()
      .should(new ArchCondition<JavaClass>("use an internal package only under the package that owns it") {
        @Override
        public void check(JavaClass origin, ConditionEvents events) {
          for (Dependency dependency : origin.getDirectDependenciesFromSelf()) {
            String target = dependency.getTargetClass().getPackageName();
            int internal = target.indexOf(INTERNAL);
            if (!target.startsWith("dev.sheepdog.") || internal < 0) {
              continue;
            }
            String owner = target.substring(0, internal);
            String from = origin.getPackageName();
            if (!from.equals(owner) && !from.startsWith(owner + ".")) {
              events.add(SimpleConditionEvent.violated(dependency, dependency.getDescription()));
            }
          }
        }
      });

  @ArchTest
  static final ArchRule the_openai_wire_format_depends_on_router_spi_only = classes()
      .that().resideInAPackage("dev.sheepdog.wire..")
      .should().onlyDependOnClassesThat().resideInAnyPackage("dev.sheepdog.wire..", "dev.sheepdog.spi..", "java..",
          "com.squareup.moshi..", "okio..", "kotlin..")
      .because("one wire format serves the gateway and the adapter, so it can know neither");
}
