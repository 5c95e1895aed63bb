package dev.sheepdog.gateway.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sheepdog.spi.CircuitState;
import dev.sheepdog.spi.ModelId;
import dev.sheepdog.spi.Money;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LiveViewTest {
  private static final String ANSI = "\033\\[[0-9;?]*[A-Za-z]";

  private final StringWriter screen = new StringWriter();
  private final LiveView view = new LiveView(new PrintWriter(screen), "Sheepdog demo", true);

  @Test
  void redraws_each_frame_in_place_on_the_alternate_screen() {
    view.show(snapshot(CircuitState.CLOSED, 5));
    view.show(snapshot(CircuitState.OPEN, 20));

    String output = screen.toString();
    assertThat(output).startsWith("\033[?1049h\033[?25l\033[H");
    // the second frame starts from the top again and erases what the first left below it
    assertThat(output.split("\033\\[H", -1)).hasSize(3);
    assertThat(output).endsWith("\033[J");
  }

  @Test
  void colours_the_circuit_states() {
    assertThat(String.join("\n", view.render(snapshot(CircuitState.OPEN, 20))))
        .contains(LiveView.RED + LiveView.BOLD + "OPEN");
    assertThat(String.join("\n", view.render(snapshot(CircuitState.HALF_OPEN, 20))))
        .contains(LiveView.YELLOW + LiveView.BOLD + "half-open");
    assertThat(String.join("\n", view.render(snapshot(CircuitState.CLOSED, 20))))
        .contains(LiveView.GREEN + "closed");
    assertThat(String.join("\n", view.render(snapshot(CircuitState.CLOSED, true, 20))))
        .contains(LiveView.YELLOW + "cooling");
  }

  @Test
  void shows_progress_phase_figures_and_the_dashboard_within_80_columns() {
    List<String> lines = view.render(snapshot(CircuitState.OPEN, 20));

    List<String> visible = lines.stream().map(line -> line.replaceAll(ANSI, "")).toList();
    assertThat(visible).allSatisfy(line -> assertThat(line.length()).isLessThanOrEqualTo(80));
    assertThat(String.join("\n", visible))
        .contains("Phase: outage on gpt-4.1-mini")
        .contains("20.0 s of 60.0 s, 40.0 s left")
        .contains("gemini-2.5-flash-previe~ OPEN")
        .contains("50%")
        .contains("110ms")
        .contains("12.5%")
        .contains("$0.0123")
        .contains("Requests 400 sent, 390 answered, 2 failed, 8 in flight; success 99.5 %")
        .contains("Dashboard: http://127.0.0.1:8080/dashboard")
        .contains("admin key to type in: sk-demo-admin-0123");
  }

  @Test
  void finishing_leaves_the_alternate_screen_and_prints_the_last_frame_where_it_stays() {
    view.show(snapshot(CircuitState.CLOSED, 5));
    view.finish(snapshot(CircuitState.CLOSED, 60));

    String output = screen.toString();
    int left = output.indexOf("\033[?25h\033[?1049l");
    assertThat(left).isPositive();
    assertThat(output.substring(left)).contains("60.0 s of 60.0 s").doesNotContain("\033[H");
  }

  private static DemoSnapshot snapshot(CircuitState state, long elapsedSeconds) {
    return snapshot(state, false, elapsedSeconds);
  }

  private static DemoSnapshot snapshot(CircuitState state, boolean coolingDown, long elapsedSeconds) {
    DemoSnapshot.ModelRow row = new DemoSnapshot.ModelRow(ModelId.of("gemini-2.5-flash-preview-05-20"), state,
        coolingDown, 0.5,
        120, Duration.ofMillis(110), Duration.ofMillis(240), 0.125, Money.ofUsd("0.0123"));
    return new DemoSnapshot(Duration.ofSeconds(elapsedSeconds), Duration.ofSeconds(60),
        "outage on gpt-4.1-mini, 429 storm on gpt-4.1; healed at 36.0s", List.of(row),
        new ClientTally.Snapshot(400, 390, 2, 8, 90, 0, Map.of(503, 2L)), List.of(), null,
        URI.create("http://127.0.0.1:8080/dashboard"), "sk-demo-admin-0123");
  }
}
