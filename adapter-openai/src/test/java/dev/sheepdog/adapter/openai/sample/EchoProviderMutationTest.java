package dev.sheepdog.adapter.openai.sample;


import dev.sheepdog.spi.CallOptions;
import dev.sheepdog.spi.ChatChunk;
import dev.sheepdog.spi.ChatProvider;
import dev.sheepdog.spi.ChatRequest;
import dev.sheepdog.spi.ChatResponse;
import dev.sheepdog.spi.FailureKind;
import dev.sheepdog.spi.ModelSpec;
import dev.sheepdog.spi.ProviderException;
import dev.sheepdog.spi.ProviderId;
import dev.sheepdog.spi.StreamHandle;
import dev.sheepdog.spi.StreamListener;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Does the provider contract test bite? Each mutant below is the docs' sample adapter with one
 * deliberate bug, of the kinds adapters really have; the contract test must fail on every one.
 * (A provider that blocks the caller is caught too, by the contract's per-test timeout, but costs
 * that timeout per test, so it is not run here.)
 */
class EchoProviderMutationTest {

  static Stream<Class<?>> mutants() {
    return Stream.of(ThrowsSynchronously.class, IgnoresCancellation.class, StreamIgnoresCancellation.class,
        CompletesThenFails.class, FailsThenCompletes.class, ChunkAfterTheEnd.class, WrongFailureKind.class,
        DropsUsage.class, DropsRetryAfter.class, TimeoutAsUnavailable.class, BrokenStreamEndsNormally.class,
        ReordersChunks.class, StreamIgnoresTheTimeout.class, ErrorAfterCancel.class);
  }

  @ParameterizedTest
  @MethodSource("mutants")
  void theContractTestFailsOnEveryMutant(Class<?> mutant) {
    ContractRuns.assertFails(mutant);
  }

  @Test
  void theUnmutatedSampleStillPasses() {
    // the baseline, so that a mutant fails for its bug and not for the harness
    ContractRuns.assertPasses(EchoProviderContractTest.class);
  }

  // ---- the mutants: the sample with one bug each

  /** Throws a failure found before sending, instead of failing the future. */
  static class ThrowsSynchronously extends Mutant {
    @Override
    ChatProvider mutate(ChatProvider echo) {
      return new Wrapper(echo) {
        @Override
        public CompletableFuture<ChatResponse> complete(ModelSpec model, ChatRequest request, CallOptions options) {
          if (options.timeout().compareTo(Duration.ofSeconds(1)) < 0) {
            throw new IllegalArgumentException("timeout too short: " + options.timeout());
          }
          return super.complete(model, request, options);
        }
      };
    }
  }

  /** Returns a future of its own: cancelling it leaves the upstream call running. */
  static class IgnoresCancellation extends Mutant {
    @Override
    ChatProvider mutate(ChatProvider echo) {
      return new Wrapper(echo) {
        @Override
        public CompletableFuture<ChatResponse> complete(ModelSpec model, ChatRequest request, CallOptions options) {
          return super.complete(model, request, options).thenApply(Function.identity());
        }
      };
    }
  }

  /** A stream handle whose cancel does nothing. */
  static class StreamIgnoresCancellation extends Mutant {
    @Override
    ChatProvider mutate(ChatProvider echo) {
      return new Wrapper(echo) {
        @Override
        public StreamHandle stream(ModelSpec model, ChatRequest request, CallOptions options, StreamListener listener) {
          super.stream(model, request, options, listener);
          return () -> { };
        }
      };
    }
  }

  /** Cancels its upstream work, then tells the listener the stream was cancelled, after cancel() has returned. */
  static class ErrorAfterCancel extends Mutant {
    @Override
    ChatProvider mutate(ChatProvider echo) {
      return new Wrapper(echo) {
        @Override
        public StreamHandle stream(ModelSpec model, ChatRequest request, CallOptions options, StreamListener listener) {
          StreamHandle handle = super.stream(model, request, options, listener);
          return () -> {
            handle.cancel();
            CompletableFuture.delayedExecutor(20, java.util.concurrent.TimeUnit.MILLISECONDS).execute(() ->
                listener.onError(new ProviderException(FailureKind.CANCELLED, 0, "the stream was cancelled")));
          };
        }
      };
    }
  }

  /** Signals onComplete, then onError. */
  static class CompletesThenFails extends Mutant {
    @Override
    ChatProvider mutate(ChatProvider echo) {
      return streamMutant(echo, listener -> new Relay(listener) {
        @Override
        public void onComplete() {
          super.onComplete();
          super.onError(ProviderException.of(FailureKind.UNAVAILABLE, "connection reset after the end"));
        }
      });
    }
  }

  /** Signals onError, then onComplete. */
  static class FailsThenCompletes extends Mutant {
    @Override
    ChatProvider mutate(ChatProvider echo) {
      return streamMutant(echo, listener -> new Relay(listener) {
        @Override
        public void onError(ProviderException failure) {
          super.onError(failure);
          super.onComplete();
        }
      });
    }
  }

  /** Sends one more chunk after onComplete. */
  static class ChunkAfterTheEnd extends Mutant {
    @Override
    ChatProvider mutate(ChatProvider echo) {
      return streamMutant(echo, listener -> new Relay(listener) {
        @Override
        public void onComplete() {
          super.onComplete();
          super.onChunk(ChatChunk.ofText("echo-1", "echo-1", "late", null));
        }
      });
    }
  }

  /** Classifies an unavailable upstream as a bad request. */
  static class WrongFailureKind extends Mutant {
    @Override
    ChatProvider mutate(ChatProvider echo) {
      return failureMutant(echo, f -> f.kind() == FailureKind.UNAVAILABLE
          ? new ProviderException(FailureKind.BAD_REQUEST, 400, f.providerMessage()) : f);
    }
  }

  /** Answers without the usage the upstream reported. */
  static class DropsUsage extends Mutant {
    @Override
    ChatProvider mutate(ChatProvider echo) {
      return new Wrapper(echo) {
        @Override
        public CompletableFuture<ChatResponse> complete(ModelSpec model, ChatRequest request, CallOptions options) {
          return super.complete(model, request, options).thenApply(r -> new ChatResponse(r.id(), r.upstreamModel(),
              r.choices(), null, r.extensions()));
        }
      };
    }
  }

  /** A 429 without the Retry-After the upstream sent. */
  static class DropsRetryAfter extends Mutant {
    @Override
    ChatProvider mutate(ChatProvider echo) {
      return failureMutant(echo, f -> f.kind() == FailureKind.RATE_LIMITED
          ? new ProviderException(FailureKind.RATE_LIMITED, 429, f.providerMessage()) : f);
    }
  }

  /** A timeout classified as unavailable. */
  static class TimeoutAsUnavailable extends Mutant {
    @Override
    ChatProvider mutate(ChatProvider echo) {
      return failureMutant(echo, f -> f.kind() == FailureKind.TIMEOUT
          ? new ProviderException(FailureKind.UNAVAILABLE, 0, f.providerMessage()) : f);
    }
  }

  /** A stream that breaks ends as if it had completed: a short answer. */
  static class BrokenStreamEndsNormally extends Mutant {
    @Override
    ChatProvider mutate(ChatProvider echo) {
      return streamMutant(echo, listener -> new Relay(listener) {
        @Override
        public void onError(ProviderException failure) {
          super.onComplete();
        }
      });
    }
  }

  /** Delivers the chunks in reverse order. */
  static class ReordersChunks extends Mutant {
    @Override
    ChatProvider mutate(ChatProvider echo) {
      return streamMutant(echo, listener -> new Relay(listener) {
        private final List<ChatChunk> held = new ArrayList<>();

        @Override
        public void onChunk(ChatChunk chunk) {
          held.add(0, chunk);
        }

        @Override
        public void onComplete() {
          held.forEach(super::onChunk);
          super.onComplete();
        }
      });
    }
  }

  /** Streams without the call's timeout. */
  static class StreamIgnoresTheTimeout extends Mutant {
    @Override
    ChatProvider mutate(ChatProvider echo) {
      return new Wrapper(echo) {
        @Override
        public StreamHandle stream(ModelSpec model, ChatRequest request, CallOptions options, StreamListener listener) {
          return super.stream(model, request, CallOptions.of(Duration.ofHours(1), "no timeout"), listener);
        }
      };
    }
  }

  // ---- the harness

  /** The sample's contract test, run on the sample wrapped in one mutation. */
  abstract static class Mutant extends EchoProviderContractTest {
    private ChatProvider mutated;

    abstract ChatProvider mutate(ChatProvider echo);

    @Override
    protected ChatProvider provider() {
      if (mutated == null) {
        mutated = mutate(super.provider());
      }
      return mutated;
    }
  }

  static ChatProvider streamMutant(ChatProvider echo, Function<StreamListener, StreamListener> relay) {
    return new Wrapper(echo) {
      @Override
      public StreamHandle stream(ModelSpec model, ChatRequest request, CallOptions options, StreamListener listener) {
        return super.stream(model, request, options, relay.apply(listener));
      }
    };
  }

  static ChatProvider failureMutant(ChatProvider echo, Function<ProviderException, ProviderException> change) {
    return new Wrapper(echo) {
      @Override
      public CompletableFuture<ChatResponse> complete(ModelSpec model, ChatRequest request, CallOptions options) {
        CompletableFuture<ChatResponse> call = super.complete(model, request, options);
        CompletableFuture<ChatResponse> changed = call.handle((value, failure) -> {
          Throwable cause = failure instanceof CompletionException ? failure.getCause() : failure;
          if (cause instanceof ProviderException p) {
            throw new CompletionException(change.apply(p));
          }
          if (failure != null) {
            throw new CompletionException(failure);
          }
          return value;
        });
        changed.whenComplete((v, f) -> call.cancel(true)); // keeps cancellation working
        return changed;
      }

      @Override
      public StreamHandle stream(ModelSpec model, ChatRequest request, CallOptions options, StreamListener listener) {
        return super.stream(model, request, options, new Relay(listener) {
          @Override
          public void onError(ProviderException failure) {
            super.onError(change.apply(failure));
          }
        });
      }
    };
  }

  /** A provider passing every call on. */
  static class Wrapper implements ChatProvider {
    private final ChatProvider delegate;

    Wrapper(ChatProvider delegate) {
      this.delegate = delegate;
    }

    @Override
    public ProviderId id() {
      return delegate.id();
    }

    @Override
    public CompletableFuture<ChatResponse> complete(ModelSpec model, ChatRequest request, CallOptions options) {
      return delegate.complete(model, request, options);
    }

    @Override
    public StreamHandle stream(ModelSpec model, ChatRequest request, CallOptions options, StreamListener listener) {
      return delegate.stream(model, request, options, listener);
    }
  }

  /** A listener passing every signal on. */
  static class Relay implements StreamListener {
    private final StreamListener listener;

    Relay(StreamListener listener) {
      this.listener = listener;
    }

    @Override
    public void onChunk(ChatChunk chunk) {
      listener.onChunk(chunk);
    }

    @Override
    public void onComplete() {
      listener.onComplete();
    }

    @Override
    public void onError(ProviderException failure) {
      listener.onError(failure);
    }
  }
}
