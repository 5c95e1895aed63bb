package dev.sheepdog.gateway.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.squareup.moshi.Moshi;
import dev.sheepdog.spi.TaskType;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class TrafficMixTest {

  @Test
  void the_same_seed_gives_the_same_traffic_and_another_seed_other_traffic() {
    assertThat(draw(new TrafficMix(42), 500)).isEqualTo(draw(new TrafficMix(42), 500));
    assertThat(draw(new TrafficMix(42), 500)).isNotEqualTo(draw(new TrafficMix(43), 500));
  }

  @Test
  void mixes_every_task_priority_and_kind_of_request_in_the_intended_shares() {
    List<TrafficMix.Call> calls = draw(new TrafficMix(1), 10_000);

    Map<TaskType, Long> tasks = calls.stream().collect(Collectors.groupingBy(TrafficMix.Call::task,
        Collectors.counting()));
    assertThat(tasks.get(TaskType.SIMPLE_QA) / 10_000.0).isCloseTo(0.35, within(0.03));
    assertThat(tasks.get(TaskType.COMPLEX_REASONING) / 10_000.0).isCloseTo(0.15, within(0.03));
    assertThat(calls.stream().map(TrafficMix.Call::priority).distinct()).hasSize(3);
    assertThat(calls.stream().filter(TrafficMix.Call::stream).count() / 10_000.0)
        .isCloseTo(TrafficMix.STREAM_SHARE, within(0.03));
    assertThat(calls.stream().filter(TrafficMix.Call::routeInHeaders).count() / 10_000.0)
        .isCloseTo(TrafficMix.HEADER_SHARE, within(0.03));
  }

  @Test
  void a_route_goes_in_the_model_member_or_in_headers_with_model_auto() throws IOException {
    List<TrafficMix.Call> calls = draw(new TrafficMix(3), 200);
    TrafficMix.Call inModel = calls.stream().filter(c -> !c.routeInHeaders() && c.stream()).findFirst().orElseThrow();
    TrafficMix.Call inHeaders = calls.stream().filter(TrafficMix.Call::routeInHeaders).findFirst().orElseThrow();

    Map<?, ?> body = (Map<?, ?>) new Moshi.Builder().build().adapter(Object.class).fromJson(inModel.body());
    assertThat(body.get("model")).isEqualTo(inModel.task().name() + ":" + inModel.priority().wireName());
    assertThat(body.get("stream")).isEqualTo(true);
    assertThat(inModel.headers()).isEmpty();

    assertThat(inHeaders.model()).isEqualTo("auto");
    assertThat(inHeaders.headers()).containsEntry("X-Sheepdog-Task", inHeaders.task().name())
        .containsEntry("X-Sheepdog-Priority", inHeaders.priority().wireName());
  }

  private static List<TrafficMix.Call> draw(TrafficMix mix, int n) {
    List<TrafficMix.Call> calls = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      calls.add(mix.next());
    }
    return calls;
  }
}
