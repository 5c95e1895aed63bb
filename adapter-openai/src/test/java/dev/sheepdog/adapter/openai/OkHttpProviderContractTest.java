package dev.sheepdog.adapter.openai;

/** The provider contract on the OkHttp transport, the option for embedders who give an OkHttp client. */
class OkHttpProviderContractTest extends OpenAiProviderContractTest {
  @Override
  Upstream.Transport transport() {
    return Upstream.Transport.OKHTTP;
  }
}
