package dev.sheepdog.adapter.holysheep;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sheepdog.adapter.openai.OpenAiProvider;
import dev.sheepdog.core.RoutedResponse;
import dev.sheepdog.core.Router;
import dev.sheepdog.spi.ChatRequest;
import dev.sheepdog.spi.ModelId;
import dev.sheepdog.spi.RouteHints;
import org.junit.jupiter.api.Test;

/** Keeps the README's "Embed it" sample compiling; it makes no network call. */
class ReadmeSampleTest {

  /** The README sample, verbatim; compiled, never run (it needs a key and the network). */
  @SuppressWarnings("unused")
  static void embedIt() {
    Router router = Router.builder()
        .catalog(HolySheep.catalog())      // HolySheep's six models, priced
        .provider(HolySheep.provider())    // key from HOLYSHEEP_API_KEY
        .build();                          // default route table, retries, circuit breakers

    RoutedResponse answer = router.route(ChatRequest.ofUser("Say hi in five words"), RouteHints.DEFAULT).join();
    System.out.println(answer.model() + ": " + answer.content());
  }

  @Test
  void the_sample_router_builds_with_an_explicit_key() {
    // when
    try (OpenAiProvider provider = HolySheep.provider("sk-holysheep-dummy")) {
      Router router = Router.builder().catalog(HolySheep.catalog()).provider(provider).build();
      // then
      assertThat(router.catalog().size()).isEqualTo(6);
      assertThat(router.candidate(ModelId.of("gpt-4.1-mini"))).isNotNull();
    }
  }
}
