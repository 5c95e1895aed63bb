package dev.sheepdog.adapter.openai;

/** The fault matrix on the OkHttp transport, the option for embedders who give an OkHttp client. */
class OkHttpFaultMatrixTest extends OpenAiFaultMatrixTest {
  @Override
  Upstream.Transport transport() {
    return Upstream.Transport.OKHTTP;
  }
}
