package dev.sheepdog.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sheepdog.spi.Candidate;
import dev.sheepdog.spi.SelectionStrategy;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class StrategyRegistryTest {
  private static final SelectionStrategy REVERSE = (request, candidates) -> {
    List<Candidate> reversed = new ArrayList<>(candidates);
    Collections.reverse(reversed);
    return reversed;
  };

  @Test
  void a_composite_name_is_composed_left_to_right_from_trimmed_parts() {
    // given
    AtomicInteger built = new AtomicInteger();
    StrategyRegistry registry = StrategyRegistry.builder()
        .add("route-table", () -> {
          built.incrementAndGet();
          return RouterFixture.TABLE;
        })
        .add("reverse", () -> REVERSE)
        .build();
    // when
    SelectionStrategy strategy = registry.create(" route-table + reverse ");
    // then
    assertThat(strategy).isNotNull();
    assertThat(built).hasValue(1);
    assertThat(registry.names()).containsExactly("route-table", "reverse");
    assertThat(StrategyRegistry.parts("a+ b+")).containsExactly("a", "b", "");
    assertThat(registry.unknownParts("route-table+cheapest+")).containsExactly("cheapest", "");
  }

  @Test
  void an_unknown_part_is_named_with_every_known_name() {
    StrategyRegistry registry = StrategyRegistry.of(java.util.Map.of("reverse", REVERSE));
    assertThatThrownBy(() -> registry.create("reverse+cheapest"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unknown strategy 'cheapest' in 'reverse+cheapest'")
        .hasMessageContaining("[reverse]");
  }

  @Test
  void the_builder_refuses_a_name_twice_and_names_that_cannot_be_read_back() {
    StrategyRegistry.Builder builder = StrategyRegistry.builder().add("cost", () -> REVERSE);
    assertThatThrownBy(() -> builder.add("cost", () -> REVERSE)).hasMessageContaining("cost is given twice");
    assertThatThrownBy(() -> builder.add("a+b", () -> REVERSE)).hasMessageContaining("'+'");
    assertThatThrownBy(() -> builder.add(" ", () -> REVERSE)).hasMessageContaining("non-blank");
  }
}
