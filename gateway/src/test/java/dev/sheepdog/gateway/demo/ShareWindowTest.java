package dev.sheepdog.gateway.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.sheepdog.spi.ModelId;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ShareWindowTest {
  private static final ModelId MINI = ModelId.of("gpt-4.1-mini");
  private static final ModelId SONNET = ModelId.of("claude-3-5-sonnet-latest");
  private static final long SECOND = 1_000_000_000L;

  @Test
  void shares_count_only_the_answers_inside_the_window() {
    DemoRun.ShareWindow window = new DemoRun.ShareWindow(Duration.ofSeconds(4));

    // mini answers everything for 10 s, then stops: its circuit opened and sonnet takes over
    for (int s = 0; s <= 10; s++) {
      window.update(s * SECOND, Map.of(MINI, 10L * s, SONNET, 0L));
    }
    Map<ModelId, Double> before = window.update(11 * SECOND, Map.of(MINI, 110L, SONNET, 0L));
    for (int s = 12; s <= 15; s++) {
      window.update(s * SECOND, Map.of(MINI, 110L, SONNET, 10L * (s - 11)));
    }
    Map<ModelId, Double> after = window.update(16 * SECOND, Map.of(MINI, 110L, SONNET, 50L));

    assertThat(before.get(MINI)).isEqualTo(1.0);
    assertThat(after.get(MINI)).isZero();
    assertThat(after.get(SONNET)).isEqualTo(1.0);
  }

  @Test
  void a_window_that_straddles_the_change_shows_both() {
    DemoRun.ShareWindow window = new DemoRun.ShareWindow(Duration.ofSeconds(4));
    window.update(0, Map.of(MINI, 0L, SONNET, 0L));
    window.update(2 * SECOND, Map.of(MINI, 20L, SONNET, 0L));

    Map<ModelId, Double> shares = window.update(4 * SECOND, Map.of(MINI, 20L, SONNET, 20L));

    assertThat(shares.get(MINI)).isCloseTo(0.5, within(1e-9));
    assertThat(shares.get(SONNET)).isCloseTo(0.5, within(1e-9));
  }

  @Test
  void nothing_answered_yet_is_no_share() {
    assertThat(new DemoRun.ShareWindow(Duration.ofSeconds(4)).update(0, Map.of(MINI, 0L))).containsEntry(MINI, 0.0);
  }
}
