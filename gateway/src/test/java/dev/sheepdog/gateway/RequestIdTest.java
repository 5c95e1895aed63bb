package dev.sheepdog.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The ids the gateway gives requests that come without one. */
class RequestIdTest {
  @Test
  void ids_are_distinct_version_4_uuids() {
    // given
    Set<UUID> ids = new HashSet<>();

    // when
    for (int i = 0; i < 10_000; i++) {
      ids.add(RequestIds.randomUuid());
    }

    // then
    assertThat(ids).hasSize(10_000).allSatisfy(id -> {
      assertThat(id.version()).isEqualTo(4);
      assertThat(id.variant()).isEqualTo(2);
      assertThat(UUID.fromString(id.toString())).isEqualTo(id);
    });
  }

  @Test
  void a_request_without_an_id_gets_a_uuid_one() {
    try (GatewayFixture fixture = new GatewayFixture()) {
      // when
      String id = fixture.get("/health").headers().firstValue("X-Request-Id").orElseThrow();

      // then
      assertThat(id).startsWith("req-");
      assertThat(UUID.fromString(id.substring(4)).version()).isEqualTo(4);
    }
  }
}
