package dev.sheepdog.gateway.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

class DemoCommandTest {

  @Test
  void a_short_plain_run_exits_0_and_reports_failover_and_a_circuit_that_opened_and_closed() {
    // given
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine demo = DemoCommand.commandLine();
    demo.setOut(new PrintWriter(out, true));
    demo.setErr(new PrintWriter(err, true));

    // when
    int exit = demo.execute("--duration", "4s", "--rate", "60", "--time-scale", "0.05", "--seed", "7", "--no-live");

    // then
    String text = out.toString();
    assertThat(exit).as(text + err).isZero();
    assertThat(text).doesNotContain("\033[").contains("Sheepdog demo report");
    String report = text.substring(text.indexOf("Sheepdog demo report"));
    List<String> failovers = section(report, "Failover");
    assertThat(failovers).as(report)
        .anyMatch(line -> line.matches("\\s*gpt-4\\.1-mini\\s+-> \\S+\\s+\\d+\\s+.*"));
    List<String> circuits = section(report, "Circuit events");
    int opened = indexOf(circuits, "gpt-4.1-mini", "closed -> open");
    int closed = indexOf(circuits, "gpt-4.1-mini", "half-open -> closed");
    assertThat(opened).as(report).isNotNegative();
    assertThat(closed).as(report).isGreaterThan(opened);
    // streams were read to their [DONE] through the real endpoint
    assertThat(report).containsPattern("streams: [1-9][\\d,]* whole, 0 broken");
    assertThat(report).containsPattern("had every request gone to gpt-4\\.1 .*: \\$\\d+\\.\\d{6}");
    // the plain view printed status lines while it ran, circuit transitions among them
    assertThat(text).containsPattern("\\[\\s*\\d+\\.\\ds] circuit gpt-4\\.1-mini: closed -> open");
    // without a console (a log, CI) neither the dashboard's admin key nor the clients' key is printed
    assertThat(text).contains("/dashboard (its admin key is shown only at a console)");
    assertThat(text + err).doesNotContain("sk-demo-");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "--rate|0|--rate must be more than 0",
      "--rate|5000|--rate must be more than 0 and at most 1000",
      "--duration|1s|--duration must be between 2s and 1h, was 1.0 s",
      "--duration|soon|'soon' is not a duration",
      "--concurrency|0|--concurrency must be between 1 and 1000",
      "--time-scale|2|--time-scale must be between 0.001 and 1",
      "--port|70000|--port must be between 0 and 65535",
      "--seed|x|Invalid value for option '--seed'"})
  void invalid_options_exit_2_with_a_message_naming_the_option(String option, String value, String message) {
    // given
    StringWriter err = new StringWriter();
    CommandLine demo = DemoCommand.commandLine();
    demo.setOut(new PrintWriter(new StringWriter(), true));
    demo.setErr(new PrintWriter(err, true));

    // when
    int exit = demo.execute(option, value, "--no-live");

    // then
    assertThat(exit).isEqualTo(2);
    assertThat(err.toString()).contains(message).contains("Usage: demo");
  }

  @Test
  void a_taken_port_exits_1_saying_so() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      StringWriter err = new StringWriter();
      CommandLine demo = DemoCommand.commandLine();
      demo.setOut(new PrintWriter(new StringWriter(), true));
      demo.setErr(new PrintWriter(err, true));

      int exit = demo.execute("--port", Integer.toString(taken.getLocalPort()), "--no-live");

      assertThat(exit).isEqualTo(1);
      assertThat(err.toString()).contains("could not start on 127.0.0.1:" + taken.getLocalPort())
          .contains("choose another --port, or 0 for a free one");
    }
  }

  @ParameterizedTest
  @CsvSource({"90s,90000", "2m,120000", "1500ms,1500", "45,45000", "1.5s,1500", "PT1M,60000", "1h,3600000"})
  void durations_read_as_people_write_them(String text, long millis) {
    assertThat(new DemoCommand.DurationConverter().convert(text)).isEqualTo(Duration.ofMillis(millis));
  }

  /** The indented lines under a heading of the report, up to the next blank line. */
  private static List<String> section(String report, String heading) {
    List<String> lines = new ArrayList<>();
    boolean in = false;
    for (String line : report.split("\\R")) {
      if (line.startsWith(heading)) {
        in = true;
      } else if (in && line.isBlank()) {
        break;
      } else if (in) {
        lines.add(line);
      }
    }
    return lines;
  }

  private static int indexOf(List<String> lines, String model, String transition) {
    Pattern pattern = Pattern.compile("\\s*\\d+\\.\\d s\\s+" + Pattern.quote(model) + "\\s+" + Pattern.quote(transition));
    for (int i = 0; i < lines.size(); i++) {
      Matcher m = pattern.matcher(lines.get(i));
      if (m.matches()) {
        return i;
      }
    }
    return -1;
  }
}
