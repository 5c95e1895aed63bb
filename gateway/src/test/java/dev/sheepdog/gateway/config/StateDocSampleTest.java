package dev.sheepdog.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sheepdog.core.RouteTableStrategy;
import dev.sheepdog.core.Router;
import dev.sheepdog.spi.ChatRequest;
import dev.sheepdog.spi.ModelCatalog;
import dev.sheepdog.spi.ModelSpec;
import dev.sheepdog.spi.Money;
import dev.sheepdog.spi.Priority;
import dev.sheepdog.spi.RouteHints;
import dev.sheepdog.spi.Scheduler;
import dev.sheepdog.spi.TaskType;
import dev.sheepdog.state.sqlite.SqliteStateStore;
import dev.sheepdog.testkit.Outcome;
import dev.sheepdog.testkit.ScriptedProvider;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The state sample of docs/operations.md: it compiles, and its spend outlives the store. */
class StateDocSampleTest {
  private final ModelCatalog catalog =
      ModelCatalog.of(ModelSpec.builder("model-a", "scripted").price("0", "200000").build());
  private final RouteTableStrategy strategy =
      RouteTableStrategy.builder().route(TaskType.GENERAL, Priority.NORMAL, "model-a").build();

  private Router run(Path directory) {
    ScriptedProvider provider = ScriptedProvider.create("scripted", Scheduler.system());
    provider.model("model-a").thenAlways(Outcome.ok("hello").withUsage(0, 5));
    Router used;
    // --- sample: operations-state ---
    try (SqliteStateStore state = SqliteStateStore.builder(directory.resolve("sheepdog-state")).open()) {
      Router router = Router.builder()
          .catalog(catalog).provider(provider).strategy(strategy)
          .state(state)              // the ledger starts from the file and writes to it; the deferred queue is the file's
          .build();
      // …
      router.route(ChatRequest.ofUser("Hi"), RouteHints.DEFAULT).join();
      used = router;
    }                                // close() writes what is pending, then releases the file
    // --- end sample ---
    return used;
  }

  @Test
  void spend_written_through_the_sample_is_there_after_a_restart(@TempDir Path directory) {
    assertThat(run(directory).ledger().total()).isEqualTo(Money.ofUsd("1"));
    assertThat(run(directory).ledger().total()).isEqualTo(Money.ofUsd("2"));
  }
}
