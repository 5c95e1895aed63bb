package dev.sheepdog.adapter.openai.sample;


import dev.sheepdog.adapter.openai.OpenAiProvider;
import dev.sheepdog.spi.CallOptions;
import dev.sheepdog.spi.ChatProvider;
import dev.sheepdog.spi.ChatRequest;
import dev.sheepdog.spi.ChatResponse;
import dev.sheepdog.spi.FailureKind;
import dev.sheepdog.spi.ModelSpec;
import dev.sheepdog.spi.ProviderException;
import dev.sheepdog.testkit.HttpProviderContractTest;
import java.net.URI;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Does the HTTP contract test bite? The OpenAI adapter passes it; each mutant wraps it with one
 * bug the contract's own server must expose.
 */
class HttpContractMutationTest {

  static Stream<Class<?>> mutants() {
    return Stream.of(IgnoresCancellation.class, ServerErrorAsBadRequest.class, ForbiddenAsUnavailable.class,
        DropsRetryAfter.class, LosesTheMessage.class);
  }

  @ParameterizedTest
  @MethodSource("mutants")
  void theContractTestFailsOnEveryMutant(Class<?> mutant) {
    ContractRuns.assertFails(mutant);
  }

  @Test
  void theAdapterItselfPasses() {
    ContractRuns.assertPasses(Unmutated.class);
  }

  /** The contract on the OpenAI adapter, wrapped in {@link #mutate}. */
  static class Unmutated extends HttpProviderContractTest {
    private OpenAiProvider adapter;
    private ChatProvider mutated;

    ChatProvider mutate(ChatProvider provider) {
      return provider;
    }

    @Override
    protected ChatProvider provider(URI baseUrl) {
      if (mutated == null) {
        adapter = OpenAiProvider.builder().id("test").baseUrl(baseUrl.toString()).apiKey("sk-mutation-key").build();
        mutated = mutate(adapter);
      }
      return mutated;
    }

    @Override
    protected ModelSpec model() {
      return ModelSpec.builder("gpt-test", "test").build();
    }

    @AfterEach
    void closeAdapter() {
      if (adapter != null) {
        adapter.close();
      }
    }
  }

  /** A future of its own: cancelling it leaves the HTTP call open. */
  static class IgnoresCancellation extends Unmutated {
    @Override
    ChatProvider mutate(ChatProvider provider) {
      return new EchoProviderMutationTest.Wrapper(provider) {
        @Override
        public CompletableFuture<ChatResponse> complete(ModelSpec model, ChatRequest request, CallOptions options) {
          return super.complete(model, request, options).thenApply(Function.identity());
        }
      };
    }
  }

  static class ServerErrorAsBadRequest extends Unmutated {
    @Override
    ChatProvider mutate(ChatProvider provider) {
      return EchoProviderMutationTest.failureMutant(provider, f -> f.httpStatus() == 502
          ? new ProviderException(FailureKind.BAD_REQUEST, 502, f.providerMessage()) : f);
    }
  }

  static class ForbiddenAsUnavailable extends Unmutated {
    @Override
    ChatProvider mutate(ChatProvider provider) {
      return EchoProviderMutationTest.failureMutant(provider, f -> f.httpStatus() == 403
          ? new ProviderException(FailureKind.UNAVAILABLE, 403, f.providerMessage()) : f);
    }
  }

  static class DropsRetryAfter extends Unmutated {
    @Override
    ChatProvider mutate(ChatProvider provider) {
      return EchoProviderMutationTest.failureMutant(provider, f -> f.kind() == FailureKind.RATE_LIMITED
          ? new ProviderException(FailureKind.RATE_LIMITED, 429, f.providerMessage()) : f);
    }
  }

  static class LosesTheMessage extends Unmutated {
    @Override
    ChatProvider mutate(ChatProvider provider) {
      return EchoProviderMutationTest.failureMutant(provider, f -> f.kind() == FailureKind.BAD_REQUEST
          ? new ProviderException(FailureKind.BAD_REQUEST, f.httpStatus(), "bad request") : f);
    }
  }
}
