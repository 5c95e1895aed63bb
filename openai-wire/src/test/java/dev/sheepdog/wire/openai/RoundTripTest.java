package dev.sheepdog.wire.openai;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sheepdog.spi.ChatResponse;
import dev.sheepdog.spi.EmbeddingResponse;
import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Decoding then encoding gives back the document, as JSON values (member order aside, number
 * literals kept), for a corpus of OpenAI payloads: tools and tool results, parts of several media,
 * structured output, refusals, logprobs, usage with its details, streams with and without usage.
 * What a client sends reaches the upstream whole, and what the upstream answers reaches the client
 * whole.
 */
class RoundTripTest {
  @ParameterizedTest(name = "{0}")
  @MethodSource("requests")
  void a_request_decoded_and_encoded_again_is_the_request(Path file) throws IOException {
    // given
    byte[] body = Files.readAllBytes(file);
    // when
    ChatRequestFormat.Incoming incoming = ChatRequestFormat.decode(body);
    byte[] sent = ChatRequestFormat.encode(incoming.model(), incoming.request(), incoming.request().stream())
        .toByteArray();
    // then
    assertThat(WireJson.parseStrict(sent)).isEqualTo(WireJson.parseStrict(body));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("answers")
  void an_answer_decoded_and_encoded_again_is_the_answer(Path file) throws IOException {
    // given
    Map<?, ?> upstream = (Map<?, ?>) WireJson.parse(Files.readString(file));
    // when
    ChatResponse answer = ChatAnswerFormat.decodeAnswer(upstream);
    byte[] written = ChatAnswerFormat.encodeAnswer(answer, "unused", (String) upstream.get("model"),
        (Long) upstream.get("created"), null);
    // then
    assertThat(WireJson.parseStrict(written)).isEqualTo(upstream);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("streams")
  void a_stream_decoded_and_encoded_again_is_the_stream_chunk_by_chunk(Path file) throws IOException {
    // given
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    Map<?, ?> first = (Map<?, ?>) WireJson.parse(lines.get(0));
    ChatAnswerFormat.StreamEncoder encoder = new ChatAnswerFormat.StreamEncoder("unused", (Long) first.get("created"));
    for (String line : lines) {
      Map<?, ?> upstream = (Map<?, ?>) WireJson.parse(line);
      // when
      String written = encoder.encode((String) upstream.get("model"), ChatAnswerFormat.decodeChunk(upstream));
      // then
      assertThat(WireJson.parse(written)).as(line).isEqualTo(upstream);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("errors")
  void an_error_read_and_written_again_is_the_error(Path file) throws IOException {
    // given
    String body = Files.readString(file);
    // when
    String written = OpenAiError.parse(body).toJson(Map.of());
    // then
    assertThat(WireJson.parse(written)).isEqualTo(WireJson.parse(body));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("embeddingRequests")
  void an_embeddings_request_decoded_and_encoded_again_is_the_request(Path file) throws IOException {
    // given
    byte[] body = Files.readAllBytes(file);
    // when
    EmbeddingFormat.Incoming incoming = EmbeddingFormat.decode(body);
    byte[] sent = EmbeddingFormat.encode(incoming.model(), incoming.request()).toByteArray();
    // then
    assertThat(WireJson.parseStrict(sent)).isEqualTo(WireJson.parseStrict(body));
  }

  /** Vectors are read as doubles and written back as such: the same values, in Java's spelling. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("embeddingAnswers")
  void an_embeddings_answer_decoded_and_encoded_again_is_the_answer(Path file) throws IOException {
    // given
    String body = Files.readString(file);
    Map<?, ?> upstream = (Map<?, ?>) WireJson.parse(body);
    // when
    EmbeddingResponse answer = EmbeddingFormat.decodeAnswer(body);
    byte[] written = EmbeddingFormat.encodeAnswer(answer, (String) upstream.get("model"), null);
    // then
    assertThat(numbersAsDoubles(WireJson.parseStrict(written))).isEqualTo(numbersAsDoubles(upstream));
  }

  private static Object numbersAsDoubles(Object json) {
    if (json instanceof Number n) {
      return n.doubleValue();
    }
    if (json instanceof Map<?, ?> map) {
      Map<Object, Object> converted = new java.util.LinkedHashMap<>();
      map.forEach((k, v) -> converted.put(k, numbersAsDoubles(v)));
      return converted;
    }
    if (json instanceof List<?> list) {
      return list.stream().map(RoundTripTest::numbersAsDoubles).toList();
    }
    return json;
  }

  static Stream<Path> embeddingRequests() throws IOException, URISyntaxException {
    return corpus("embedding-requests", 4);
  }

  static Stream<Path> embeddingAnswers() throws IOException, URISyntaxException {
    return corpus("embedding-answers", 3);
  }

  @org.junit.jupiter.api.Test
  void a_model_list_encoded_and_decoded_again_has_its_ids_in_order() {
    // given
    List<ModelListFormat.Entry> models = List.of(new ModelListFormat.Entry("gpt-4.1", "holysheep"),
        new ModelListFormat.Entry("auto", "sheepdog"));
    // when
    List<String> ids = ModelListFormat.decodeIds(WireJson.parse(ModelListFormat.encode(models)));
    // then
    assertThat(ids).containsExactly("gpt-4.1", "auto");
  }

  static Stream<Path> requests() throws IOException, URISyntaxException {
    return corpus("requests", 5);
  }

  static Stream<Path> answers() throws IOException, URISyntaxException {
    return corpus("answers", 5);
  }

  static Stream<Path> streams() throws IOException, URISyntaxException {
    return corpus("streams", 4);
  }

  static Stream<Path> errors() throws IOException, URISyntaxException {
    return corpus("errors", 3);
  }

  /** The files of a corpus directory, sorted; at least {@code least} of them, so a lost file fails. */
  private static Stream<Path> corpus(String directory, int least) throws IOException, URISyntaxException {
    URL url = RoundTripTest.class.getResource("/corpus/" + directory);
    assertThat(url).as("corpus/" + directory).isNotNull();
    List<Path> files;
    try (Stream<Path> listed = Files.list(Path.of(url.toURI()))) {
      files = listed.sorted().toList();
    }
    assertThat(files).hasSizeGreaterThanOrEqualTo(least);
    return files.stream();
  }
}
