package dev.sheepdog.gateway.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.Flow;
import org.junit.jupiter.api.Test;

class SseBodyTest {

  @Test
  void a_stream_ending_with_done_is_whole() {
    SseBody body = feed(": keep-alive", "", "data: {\"choices\":[{\"delta\":{\"content\":\"Hi\"}}]}", "",
        "data:{\"choices\":[{\"delta\":{\"content\":\"!\"}}]}", "", "data: [DONE]", "");

    assertThat(body.outcome()).isEqualTo(new SseBody.Outcome(2, SseBody.Ending.DONE));
  }

  @Test
  void data_lines_of_one_event_are_joined_and_the_last_event_counts_without_a_blank_line() {
    SseBody body = feed("data: {\"choices\":", "data: []}", "", "event: ignored", "id: 7", "data: [DONE]");

    assertThat(body.outcome()).isEqualTo(new SseBody.Outcome(1, SseBody.Ending.DONE));
  }

  @Test
  void an_error_event_after_the_first_chunk_ends_the_stream_as_an_error() {
    SseBody body = feed("data: {\"choices\":[]}", "",
        "data: {\"error\":{\"message\":\"the stream broke\",\"type\":\"server_error\"}}", "");

    assertThat(body.outcome()).isEqualTo(new SseBody.Outcome(1, SseBody.Ending.ERROR_EVENT));
  }

  @Test
  void a_stream_without_done_is_truncated() {
    SseBody body = feed("data: {\"choices\":[]}", "", "data: {\"choices\":[]}", "");

    assertThat(body.outcome()).isEqualTo(new SseBody.Outcome(2, SseBody.Ending.TRUNCATED));
  }

  private static SseBody feed(String... lines) {
    SseBody body = new SseBody();
    body.onSubscribe(new Flow.Subscription() {
      @Override
      public void request(long n) {}

      @Override
      public void cancel() {}
    });
    for (String line : lines) {
      body.onNext(line);
    }
    body.onComplete();
    return body;
  }
}
