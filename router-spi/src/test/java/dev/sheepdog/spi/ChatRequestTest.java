package dev.sheepdog.spi;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.math.BigInteger;
import org.junit.jupiter.api.Test;

class ChatRequestTest {

  private static ChatRequest withN(Object n) {
    return ChatRequest.builder().user("hi").maxTokens(1_000).extension("n", n).build();
  }

  @Test
  void n_counts_when_it_is_a_whole_number_from_1_to_128() {
    assertThat(withN(5).choices()).isEqualTo(5);
    assertThat(withN(5L).choices()).isEqualTo(5);
    assertThat(withN(5.0).choices()).isEqualTo(5);
    assertThat(withN(new BigDecimal("5")).choices()).isEqualTo(5);
    assertThat(withN(BigInteger.valueOf(128)).choices()).isEqualTo(128);
    assertThat(withN((short) 1).choices()).isEqualTo(1);
  }

  @Test
  void anything_else_counts_as_one_choice() {
    assertThat(ChatRequest.ofUser("hi").choices()).isEqualTo(1);
    assertThat(withN(null).choices()).isEqualTo(1);
    assertThat(withN("5").choices()).isEqualTo(1);
    assertThat(withN(true).choices()).isEqualTo(1);
    assertThat(withN(0).choices()).isEqualTo(1);
    assertThat(withN(-3).choices()).isEqualTo(1);
    assertThat(withN(129).choices()).isEqualTo(1);
    assertThat(withN(2.5).choices()).isEqualTo(1);
    assertThat(withN(Double.NaN).choices()).isEqualTo(1);
    assertThat(withN(Double.POSITIVE_INFINITY).choices()).isEqualTo(1);
    assertThat(withN(Long.MAX_VALUE).choices()).isEqualTo(1);
    assertThat(withN(new BigDecimal("1e999999999")).choices()).isEqualTo(1);
    assertThat(withN(new BigDecimal("5e-999999999")).choices()).isEqualTo(1);
  }

  @Test
  void a_number_that_only_knows_its_literal_is_read_through_number_methods() {
    // given: a pass-through number such as a JSON reader keeps for literals it does not convert
    Number literal = new LiteralNumber("7");
    Number broken = new LiteralNumber("not a number");
    // when / then
    assertThat(withN(literal).choices()).isEqualTo(7);
    assertThat(withN(broken).choices()).isEqualTo(1);
  }

  @Test
  void the_output_estimate_is_the_cap_times_the_choices() {
    assertThat(withN(5).expectedOutputTokens()).isEqualTo(5_000);
    assertThat(ChatRequest.builder().user("hi").maxTokens(null).extension("n", 3).build().expectedOutputTokens())
        .isEqualTo(3L * ChatRequest.DEFAULT_MAX_TOKENS);
    assertThat(ChatRequest.builder().user("hi").maxTokens(Integer.MAX_VALUE).extension("n", 128).build()
        .expectedOutputTokens()).isEqualTo(128L * Integer.MAX_VALUE);
    assertThat(new PlanRequest(withN(5), RouteHints.DEFAULT, 10).expectedOutputTokens()).isEqualTo(5_000);
  }

  /** A number kept as its JSON text; parses it when asked for a value. */
  private static final class LiteralNumber extends Number {
    private static final long serialVersionUID = 1L;
    private final String text;

    LiteralNumber(String text) {
      this.text = text;
    }

    @Override
    public int intValue() {
      return (int) longValue();
    }

    @Override
    public long longValue() {
      return new BigDecimal(text).longValue();
    }

    @Override
    public float floatValue() {
      return (float) doubleValue();
    }

    @Override
    public double doubleValue() {
      return Double.parseDouble(text);
    }

    @Override
    public String toString() {
      return text;
    }
  }
}
