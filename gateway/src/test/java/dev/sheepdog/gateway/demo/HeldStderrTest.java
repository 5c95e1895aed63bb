package dev.sheepdog.gateway.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintStream;
import org.junit.jupiter.api.Test;

class HeldStderrTest {

  @Test
  void holds_log_lines_while_the_view_is_up_keeping_only_warnings_and_errors() {
    PrintStream before = System.err;
    HeldStderr held = HeldStderr.hold();
    try {
      System.err.println("[sheepdog-scheduler] INFO dev.sheepdog.gateway.access - req-1 POST status=200");
      System.err.println("[main] WARN dev.sheepdog.gateway.GatewayServer - something to know");
      System.err.print("[main] ERROR dev.sheepdog.x - split ");
      System.err.println("over two writes");
      assertThat(System.err).isNotSameAs(before);
    } finally {
      held.close();
    }

    assertThat(System.err).isSameAs(before);
    assertThat(held.kept()).containsExactly("[main] WARN dev.sheepdog.gateway.GatewayServer - something to know",
        "[main] ERROR dev.sheepdog.x - split over two writes");
  }

  @Test
  void keeps_the_last_lines_and_says_how_many_were_cut() {
    HeldStderr held = HeldStderr.hold();
    try {
      for (int i = 0; i < HeldStderr.KEPT + 5; i++) {
        System.err.println("[main] WARN x - line " + i);
      }
    } finally {
      held.close();
    }

    assertThat(held.kept()).hasSize(HeldStderr.KEPT + 1)
        .startsWith("(5 earlier lines not kept)", "[main] WARN x - line 5")
        .endsWith("[main] WARN x - line " + (HeldStderr.KEPT + 4));
  }
}
