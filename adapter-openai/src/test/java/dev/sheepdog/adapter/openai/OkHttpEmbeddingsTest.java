package dev.sheepdog.adapter.openai;

/** The embeddings calls on the OkHttp transport, the option for embedders who give an OkHttp client. */
class OkHttpEmbeddingsTest extends OpenAiEmbeddingsTest {
  @Override
  Upstream.Transport transport() {
    return Upstream.Transport.OKHTTP;
  }
}
