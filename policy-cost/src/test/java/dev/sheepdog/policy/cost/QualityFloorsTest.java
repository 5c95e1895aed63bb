package dev.sheepdog.policy.cost;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sheepdog.spi.Priority;
import dev.sheepdog.spi.QualityTier;
import dev.sheepdog.spi.TaskType;
import org.junit.jupiter.api.Test;

class QualityFloorsTest {
  @Test
  void defaultsFollowTaskAndPriority() {
    // given
    QualityFloors floors = QualityFloors.defaults();

    // then
    assertThat(floors.floorFor(TaskType.SIMPLE_QA, Priority.FAST)).isEqualTo(QualityTier.ECONOMY);
    assertThat(floors.floorFor(TaskType.SIMPLE_QA, Priority.HIGH)).isEqualTo(QualityTier.STANDARD);
    assertThat(floors.floorFor(TaskType.GENERAL, Priority.NORMAL)).isEqualTo(QualityTier.ECONOMY);
    assertThat(floors.floorFor(TaskType.GENERAL, Priority.HIGH)).isEqualTo(QualityTier.STANDARD);
    assertThat(floors.floorFor(TaskType.CODE_GENERATION, Priority.NORMAL)).isEqualTo(QualityTier.STANDARD);
    assertThat(floors.floorFor(TaskType.CODE_GENERATION, Priority.HIGH)).isEqualTo(QualityTier.PREMIUM);
    assertThat(floors.floorFor(TaskType.COMPLEX_REASONING, Priority.FAST)).isEqualTo(QualityTier.PREMIUM);
    assertThat(floors.floorFor(TaskType.of("summarize"), Priority.HIGH)).isEqualTo(QualityTier.STANDARD);
  }

  @Test
  void theMostSpecificSettingWins() {
    // given
    QualityFloors floors = QualityFloors.builder()
        .floor(TaskType.CODE_GENERATION, Priority.HIGH, QualityTier.STANDARD)
        .floor(TaskType.CODE_GENERATION, QualityTier.ECONOMY)
        .floor(TaskType.of("legal_review"), Priority.HIGH, QualityTier.PREMIUM)
        .build();

    // then
    assertThat(floors.floorFor(TaskType.CODE_GENERATION, Priority.HIGH)).isEqualTo(QualityTier.STANDARD);
    assertThat(floors.floorFor(TaskType.CODE_GENERATION, Priority.FAST)).isEqualTo(QualityTier.ECONOMY);
    assertThat(floors.floorFor(TaskType.of("legal_review"), Priority.HIGH)).isEqualTo(QualityTier.PREMIUM);
    assertThat(floors.floorFor(TaskType.of("legal_review"), Priority.NORMAL)).isEqualTo(QualityTier.ECONOMY);
    assertThat(floors.floorFor(TaskType.COMPLEX_REASONING, Priority.NORMAL)).isEqualTo(QualityTier.PREMIUM);
  }

  @Test
  void unknownTasksFollowAReconfiguredGeneral() {
    // given
    QualityFloors floors = QualityFloors.builder().floor(TaskType.GENERAL, QualityTier.STANDARD).build();

    // then
    assertThat(floors.floorFor(TaskType.of("chit_chat"), Priority.FAST)).isEqualTo(QualityTier.STANDARD);
    assertThat(floors.floorFor(TaskType.SIMPLE_QA, Priority.FAST)).isEqualTo(QualityTier.ECONOMY);
  }

  @Test
  void rejectsAFloorGivenTwice() {
    // given
    QualityFloors.Builder builder = QualityFloors.builder()
        .floor(TaskType.SIMPLE_QA, Priority.HIGH, QualityTier.PREMIUM)
        .floor(TaskType.SIMPLE_QA, QualityTier.ECONOMY);

    // when / then
    assertThatThrownBy(() -> builder.floor(TaskType.SIMPLE_QA, Priority.HIGH, QualityTier.STANDARD))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("quality floor for simple_qa/high was already set to PREMIUM");
    assertThatThrownBy(() -> builder.floor(TaskType.SIMPLE_QA, QualityTier.STANDARD))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("quality floor for simple_qa was already set to ECONOMY");
  }

  @Test
  void equalSettingsGiveEqualFloors() {
    // then
    assertThat(QualityFloors.builder().build()).isEqualTo(QualityFloors.defaults())
        .hasSameHashCodeAs(QualityFloors.defaults());
    assertThat(QualityFloors.builder().floor(TaskType.GENERAL, QualityTier.PREMIUM).build())
        .isNotEqualTo(QualityFloors.defaults());
  }
}
