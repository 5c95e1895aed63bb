package dev.sheepdog.state.codec;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sheepdog.spi.ChatMessage;
import dev.sheepdog.spi.ChatRequest;
import dev.sheepdog.spi.ChatResponse;
import dev.sheepdog.spi.Choice;
import dev.sheepdog.spi.DeferredAnswer;
import dev.sheepdog.spi.DeferredRequest;
import dev.sheepdog.spi.ModelId;
import dev.sheepdog.spi.Money;
import dev.sheepdog.spi.Priority;
import dev.sheepdog.spi.RouteHints;
import dev.sheepdog.spi.TaskType;
import dev.sheepdog.spi.Usage;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StateJsonTest {

  @Test
  void aRichRequestReadsBackEqual() throws Exception {
    // given a request with tools, multimodal parts, odd numbers, nulls, nested maps and unicode
    DeferredRequest original = StateFixtures.richRequest("d-rich");

    // when it is written and read back
    String json = StateJson.write(original);
    DeferredRequest read = StateJson.readRequest(json);

    // then it is the same request, number types included
    assertThat(read).isEqualTo(original);
    Map<String, Object> extensions = read.request().extensions();
    assertThat(extensions.get("seed")).hasToString("123456789012345678901234567890");
    assertThat(extensions.get("top_p")).isEqualTo(0.1);
    assertThat(extensions.get("huge")).hasToString("1e400");
    assertThat(json).contains("123456789012345678901234567890", "1e400");
  }

  @Test
  void mapsKeepTheirOrderAndNullMembers() throws Exception {
    // given extensions whose members are out of alphabetical order and one is null
    Map<String, Object> extensions = new LinkedHashMap<>();
    extensions.put("zeta", 1L);
    extensions.put("alpha", null);
    extensions.put("mid", List.of("a", "b"));
    DeferredRequest original = new DeferredRequest("d-order", "k", new ChatRequest(List.of(ChatMessage.user("x")),
        null, null, false, extensions), RouteHints.DEFAULT, 5, "");

    // when it is read back
    DeferredRequest read = StateJson.readRequest(StateJson.write(original));

    // then the members come back in the same order, the null one included
    assertThat(read.request().extensions()).isEqualTo(extensions).containsEntry("alpha", null);
    assertThat(read.request().extensions().keySet()).containsExactly("zeta", "alpha", "mid");
    assertThat(read.request().temperature()).isNull();
    assertThat(read.request().maxTokens()).isNull();
  }

  @Test
  void anAnswerReadsBackEqual() throws Exception {
    // given an answer with two choices, usage and extensions
    DeferredAnswer original = StateFixtures.answer("chatcmpl-1", "ünïcødé ✓ 🐑");

    // when it is written and read back
    DeferredAnswer read = StateJson.readAnswer(StateJson.write(original));

    // then it is the same answer
    assertThat(read).isEqualTo(original);
  }

  @Test
  void anAnswerWithoutUsageOrIdsReadsBackEqual() throws Exception {
    // given an answer without usage, id or finish reason
    ChatResponse response = new ChatResponse(null, null,
        List.of(new Choice(0, new ChatMessage("assistant", null, Map.of("tool_calls", List.of())), null, Map.of())),
        null, Map.of());
    DeferredAnswer original = new DeferredAnswer(ModelId.of("m"), response, Money.ZERO, 0);

    // when it is written and read back
    DeferredAnswer read = StateJson.readAnswer(StateJson.write(original));

    // then nothing turned into a value
    assertThat(read).isEqualTo(original);
    assertThat(read.response().usage()).isNull();
  }

  @Test
  void aDeadlineIsKeptInWholeMillisecondsRoundedUp() throws Exception {
    // given hints whose deadline is not a whole number of milliseconds
    RouteHints hints = RouteHints.builder().deadline(Duration.ofNanos(1_500_000)).build();
    DeferredRequest original = new DeferredRequest("d", "k", ChatRequest.ofUser("x"), hints, 1, "");

    // when read back
    DeferredRequest read = StateJson.readRequest(StateJson.write(original));

    // then the deadline is rounded up, never down to nothing
    assertThat(read.hints().deadline()).isEqualTo(Duration.ofMillis(2));
  }

  @Test
  void numbersReadBackAsTheTypeThatPrintsTheSameLiteral() {
    assertThat(StateJson.number("42")).isEqualTo(42L);
    assertThat(StateJson.number("-9223372036854775808")).isEqualTo(Long.MIN_VALUE);
    assertThat(StateJson.number("9223372036854775808")).isEqualTo(new LiteralNumber("9223372036854775808"));
    assertThat(StateJson.number("0.1")).isEqualTo(0.1);
    assertThat(StateJson.number("1.0E10")).isEqualTo(1.0E10);
    assertThat(StateJson.number("1.00")).isEqualTo(new LiteralNumber("1.00"));
    assertThat(StateJson.number("1e400")).isEqualTo(new LiteralNumber("1e400"));
  }

  @Test
  void aHugeLiteralIsKeptAsTextNotParsed() {
    // given a literal whose BigDecimal parse would take seconds
    String literal = "1" + "7".repeat(1_000_000);
    // when
    Number read = StateJson.number(literal);
    // then it is kept as its text, unparsed, and writes back as it came
    assertThat(read).isInstanceOf(LiteralNumber.class).hasToString(literal);
  }

  @Test
  void aListWithNullsReadsBack() throws Exception {
    // given an extension list holding a null
    List<Object> stop = new ArrayList<>(Arrays.asList("a", null, "b"));
    DeferredRequest original = new DeferredRequest("d", "k",
        ChatRequest.builder().user("x").extension("stop", stop).build(),
        RouteHints.of(TaskType.GENERAL, Priority.FAST), 1, "");

    // when read back, then the null is still there
    assertThat(StateJson.readRequest(StateJson.write(original)).request().extensions().get("stop"))
        .isEqualTo(stop);
  }
}
