package com.example.acme;

import dev.sheepdog.spi.ChatProvider;
import dev.sheepdog.spi.Usage;
import java.util.List;

/** The contract for a provider that cannot stream chunk by chunk: Acme's JSON answers, as one-chunk streams. */
class WholeAnswerStreamsContractTest extends AcmeProviderContractTest {
  WholeAnswerStreamsContractTest() throws Exception {
  }

  @Override
  protected ChatProvider provider() {
    return new WholeAnswerStreams(super.provider());
  }

  @Override
  protected boolean streamsChunkByChunk() {
    return false;
  }

  @Override
  protected void givenStream(List<String> chunks, Usage usage) {
    givenAnswer(String.join("", chunks), usage); // the whole answer, in one JSON document
  }

  @Override
  protected void givenStreamBrokenAfter(List<String> chunks) {
    server.enqueue(json(200, "{\"text\":\"" + String.join("", chunks))); // the document, cut
  }
}
