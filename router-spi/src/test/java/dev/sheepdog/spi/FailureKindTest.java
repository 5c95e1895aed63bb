package dev.sheepdog.spi;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class FailureKindTest {

  @Test
  void overloaded_fails_over_without_holding_it_against_the_model() {
    // given
    FailureKind kind = FailureKind.OVERLOADED;
    // when
    boolean failover = kind.allowsFailover();
    boolean counts = kind.countsAgainstCircuit();
    // then
    assertThat(failover).isTrue();
    assertThat(counts).isFalse();
  }

  @Test
  void only_model_failures_count_against_the_circuit() {
    // when / then
    for (FailureKind kind : FailureKind.values()) {
      boolean expected = kind == FailureKind.UNAVAILABLE || kind == FailureKind.TIMEOUT
          || kind == FailureKind.MALFORMED_RESPONSE;
      assertThat(kind.countsAgainstCircuit()).as("%s counts against the circuit", kind).isEqualTo(expected);
    }
  }
}
