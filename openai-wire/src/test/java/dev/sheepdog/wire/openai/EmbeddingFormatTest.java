package dev.sheepdog.wire.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.sheepdog.spi.EmbeddingRequest;
import dev.sheepdog.spi.EmbeddingResponse;
import dev.sheepdog.spi.Usage;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Embeddings requests a client may send, and answers an upstream may give. */
class EmbeddingFormatTest {
  @Test
  void each_input_shape_counts_its_inputs() {
    assertThat(decode("{\"model\":\"m\",\"input\":\"one\"}").request().inputCount()).isEqualTo(1);
    assertThat(decode("{\"model\":\"m\",\"input\":[\"a\",\"b\"]}").request().inputCount()).isEqualTo(2);
    assertThat(decode("{\"model\":\"m\",\"input\":[1,2,3]}").request().inputCount()).isEqualTo(1);
    assertThat(decode("{\"model\":\"m\",\"input\":[[1],[2,3]],\"dimensions\":64}").request())
        .satisfies(request -> {
          assertThat(request.inputCount()).isEqualTo(2);
          assertThat(request.dimensions()).isEqualTo(64);
        });
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "{\"input\":\"x\"}                                           | model",
      "{\"model\":\"m\"}                                           | input",
      "{\"model\":\"m\",\"input\":\"\"}                            | input",
      "{\"model\":\"m\",\"input\":[]}                              | input",
      "{\"model\":\"m\",\"input\":[\"a\",\"\"]}                    | input",
      "{\"model\":\"m\",\"input\":[\"a\",[1]]}                     | input",
      "{\"model\":\"m\",\"input\":[[1],[-2]]}                      | input",
      "{\"model\":\"m\",\"input\":[1.5]}                           | input",
      "{\"model\":\"m\",\"input\":{\"text\":\"a\"}}                | input",
      "{\"model\":\"m\",\"input\":\"a\",\"dimensions\":0}          | dimensions",
      "{\"model\":\"m\",\"input\":\"a\",\"dimensions\":\"256\"}    | dimensions",
      "{\"model\":\"m\",\"input\":\"a\",\"encoding_format\":\"hex\"} | encoding_format",
  })
  void a_body_that_is_not_an_embeddings_request_is_refused_naming_the_member(String body, String param) {
    // when
    WireFormatException refused = catchThrowableOfType(WireFormatException.class, () -> decode(body));
    // then
    assertThat(refused).isNotNull();
    assertThat(refused.param()).isEqualTo(param);
    assertThat(refused.code()).isEqualTo("invalid_value");
  }

  @Test
  void more_inputs_than_openai_takes_are_refused() {
    // given
    String input = "[" + "\"a\",".repeat(EmbeddingRequest.MAX_INPUTS) + "\"a\"]";
    // when
    WireFormatException refused = catchThrowableOfType(WireFormatException.class,
        () -> decode("{\"model\":\"m\",\"input\":" + input + "}"));
    // then
    assertThat(refused.getMessage()).contains("at most 2048");
  }

  @Test
  void an_answer_reads_vectors_as_doubles_and_base64_as_its_text() {
    // when
    EmbeddingResponse floats = EmbeddingFormat.decodeAnswer("{\"object\":\"list\",\"data\":[{\"object\":\"embedding\","
        + "\"index\":0,\"embedding\":[0.5,-1,1.5e-5]}],\"model\":\"m\",\"usage\":{\"prompt_tokens\":3,"
        + "\"total_tokens\":3}}");
    EmbeddingResponse encoded = EmbeddingFormat.decodeAnswer("{\"data\":[{\"index\":0,"
        + "\"embedding\":\"AACAPwAAAEAAAEBAAACAQA==\"}]}");
    // then
    assertThat(floats.data().get(0).vector()).containsExactly(0.5, -1.0, 1.5e-5);
    assertThat(floats.usage()).isEqualTo(new Usage(3, 0));
    assertThat(floats.upstreamModel()).isEqualTo("m");
    assertThat(encoded.data().get(0).encoded()).isEqualTo("AACAPwAAAEAAAEBAAACAQA==");
    assertThat(encoded.data().get(0).dimensions()).isEqualTo(4);
    assertThat(encoded.usage()).isNull();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "[]",
      "{\"object\":\"list\"}",
      "{\"data\":{}}",
      "{\"data\":[{\"index\":0}]}",
      "{\"data\":[{\"embedding\":true}]}",
      "{\"data\":[{\"embedding\":[\"x\"]}]}",
      "{\"data\":[{\"embedding\":[1,2]",
      "{\"data\":[],\"usage\":{\"prompt_tokens\":\"many\"}}",
  })
  void an_answer_that_is_not_a_list_of_embeddings_is_refused_without_quoting_it(String body) {
    // when
    WireFormatException refused = catchThrowableOfType(WireFormatException.class,
        () -> EmbeddingFormat.decodeAnswer(body));
    // then
    assertThat(refused).isNotNull();
    assertThat(refused.getMessage()).doesNotContain("many");
  }

  @Test
  void an_answer_for_a_client_names_the_model_that_answered_and_the_usage_estimate_when_none_came() {
    // given
    EmbeddingResponse answer = EmbeddingFormat.decodeAnswer("{\"data\":[{\"index\":0,\"embedding\":[0.25]}],"
        + "\"model\":\"upstream-name\"}");
    // when
    String json = new String(EmbeddingFormat.encodeAnswer(answer, "small", new Usage(2, 0)), StandardCharsets.UTF_8);
    // then
    assertThat(json).isEqualTo("{\"object\":\"list\",\"data\":[{\"object\":\"embedding\",\"index\":0,"
        + "\"embedding\":[0.25]}],\"model\":\"small\",\"usage\":{\"prompt_tokens\":2,\"total_tokens\":2}}");
  }

  private static EmbeddingFormat.Incoming decode(String body) {
    return EmbeddingFormat.decode(body.getBytes(StandardCharsets.UTF_8));
  }
}
