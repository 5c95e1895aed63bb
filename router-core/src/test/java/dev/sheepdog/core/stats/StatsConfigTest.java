package dev.sheepdog.core.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class StatsConfigTest {

  @Test
  void defaultsMatchTheDesign() {
    // given / when
    StatsConfig config = StatsConfig.defaults();

    // then
    assertThat(config.window()).isEqualTo(Duration.ofSeconds(60));
    assertThat(config.buckets()).isEqualTo(6);
    assertThat(config.ewmaDecay()).isEqualTo(Duration.ofSeconds(10));
    assertThat(config.failurePenalty()).isEqualTo(Duration.ofSeconds(5));
    assertThat(config.percentileRefresh()).isEqualTo(Duration.ofSeconds(1));
  }

  @Test
  void invalidSettingsAreRejectedByName() {
    // given
    StatsConfig defaults = StatsConfig.defaults();

    // when / then
    assertThatThrownBy(() -> defaults.withWindow(Duration.ZERO, 6)).hasMessageContaining("window");
    assertThatThrownBy(() -> defaults.withWindow(Duration.ofSeconds(60), 0)).hasMessageContaining("buckets");
    assertThatThrownBy(() -> defaults.withEwmaDecay(Duration.ofSeconds(-1))).hasMessageContaining("ewmaDecay");
    assertThatThrownBy(() -> defaults.withFailurePenalty(null)).hasMessageContaining("failurePenalty");
    assertThatThrownBy(() -> defaults.withPercentileRefresh(Duration.ZERO))
        .hasMessageContaining("percentileRefresh");
  }
}
