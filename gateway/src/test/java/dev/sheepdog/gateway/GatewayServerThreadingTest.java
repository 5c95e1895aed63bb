package dev.sheepdog.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import org.eclipse.jetty.util.thread.Invocable.InvocationType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** How Jetty runs the gateway's handlers. */
class GatewayServerThreadingTest {
  private GatewayFixture fixture;

  @AfterEach
  void close() {
    if (fixture != null) {
      fixture.close();
    }
  }

  @Test
  void the_handler_chain_is_non_blocking_so_a_whole_request_is_handled_where_it_was_read() {
    // given
    fixture = new GatewayFixture();
    fixture.alpha.enqueue(Upstream.json(200, Upstream.answer("ok")));
    // when
    int status = fixture.chat("auto").statusCode();
    // then a BLOCKING chain (any dynamic container) would make Jetty hand each request to another thread
    assertThat(fixture.gateway.invocationType()).isEqualTo(InvocationType.NON_BLOCKING);
    assertThat(status).isEqualTo(200);
  }
}
