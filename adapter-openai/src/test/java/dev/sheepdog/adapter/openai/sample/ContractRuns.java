package dev.sheepdog.adapter.openai.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;

/** Runs a contract test class on the JUnit Platform and says how it went. */
final class ContractRuns {
  private ContractRuns() {}

  /** Runs {@code contract}'s tests; some must run, and at least one must fail. */
  static void assertFails(Class<?> contract) {
    EngineExecutionResults results = run(contract);
    assertThat(results.testEvents().failed().count()).as("tests failing on %s", contract.getSimpleName())
        .isPositive();
  }

  /** Runs {@code contract}'s tests; some must run, and none may fail. */
  static void assertPasses(Class<?> contract) {
    EngineExecutionResults results = run(contract);
    assertThat(results.testEvents().failed().count()).as("tests failing on %s", contract.getSimpleName()).isZero();
  }

  private static EngineExecutionResults run(Class<?> contract) {
    EngineExecutionResults results = EngineTestKit.engine("junit-jupiter").selectors(selectClass(contract)).execute();
    assertThat(results.testEvents().started().count()).as("tests run on %s", contract.getSimpleName()).isPositive();
    return results;
  }
}
