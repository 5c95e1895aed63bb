package dev.sheepdog.gateway;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.library.GeneralCodingRules;

/**
 * The gateway composes modules through their public API only (see also {@link ModuleBoundariesTest}),
 * and its own packages in layers that are used only from above:
 *
 * <pre>
 * cli            the commands (serve, check-config, demo)
 * demo, plugin   the demo run; plug-ins that contribute provider types and strategies
 * config         the YAML file and the gateway built from it (Guice)
 * gateway        the HTTP server, its endpoints, metrics and tracing
 * </pre>
 */
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
  static final ArchRule packages_are_used_only_from_the_layers_above = layeredArchitecture()
      .consideringOnlyDependenciesInLayers()
      .layer("Commands").definedBy("dev.sheepdog.gateway.cli..")
      .layer("Demo").definedBy("dev.sheepdog.gateway.demo..")
      .layer("Plugins").definedBy("dev.sheepdog.gateway.plugin..")
      .layer("Composition").definedBy("dev.sheepdog.gateway.config..")
      .layer("Server").definedBy("dev.sheepdog.gateway")
      .whereLayer("Commands").mayNotBeAccessedByAnyLayer()
      .whereLayer("Demo").mayOnlyBeAccessedByLayers("Commands")
      .whereLayer("Plugins").mayOnlyBeAccessedByLayers("Commands")
      .whereLayer("Composition").mayOnlyBeAccessedByLayers("Commands", "Demo", "Plugins")
      .whereLayer("Server").mayOnlyBeAccessedByLayers("Commands", "Demo", "Plugins", "Composition")
      .ensureAllClassesAreContainedInArchitecture()
      .because("the server knows nothing of the YAML file or the commands that start it, so it can be embedded "
          + "and tested alone; a new package takes its place in a layer");

  @ArchTest
  static final ArchRule no_generic_exceptions = GeneralCodingRules.NO_CLASSES_SHOULD_THROW_GENERIC_EXCEPTIONS;
}
