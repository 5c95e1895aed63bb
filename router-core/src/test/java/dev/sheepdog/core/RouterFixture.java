package dev.sheepdog.core;

import dev.sheepdog.spi.ModelCatalog;
import dev.sheepdog.spi.ModelSpec;
import dev.sheepdog.spi.Priority;
import dev.sheepdog.spi.RouterEvent;
import dev.sheepdog.spi.RouterListener;
import dev.sheepdog.spi.TaskType;
import dev.sheepdog.testkit.ManualTicker;
import dev.sheepdog.testkit.ScriptedProvider;
import java.util.List;

/** A small world for router tests: models a, b, c on provider p1, x on provider p2. */
final class RouterFixture {
  final ManualTicker ticker = new ManualTicker();
  final ScriptedProvider p1 = ScriptedProvider.create("p1", ticker);
  final ScriptedProvider p2 = ScriptedProvider.create("p2", ticker);
  final List<RouterEvent> events = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
  final RouterListener recorder = events::add;

  static final ModelCatalog CATALOG = ModelCatalog.of(
      ModelSpec.builder("a", "p1").price("1.00", "2.00").contextWindow(8_000).build(),
      ModelSpec.builder("b", "p1").price("2.00", "4.00").contextWindow(32_000).build(),
      ModelSpec.builder("c", "p1").price("3.00", "6.00").contextWindow(128_000).build(),
      ModelSpec.builder("x", "p2").price("0.50", "1.00").contextWindow(8_000).build());

  /** general → a, b, c (normal); x, a (fast); code_generation:normal → c, b. */
  static final RouteTableStrategy TABLE = RouteTableStrategy.builder()
      .route(TaskType.GENERAL, Priority.NORMAL, "a", "b", "c")
      .route(TaskType.GENERAL, Priority.FAST, "x", "a")
      .route(TaskType.CODE_GENERATION, Priority.NORMAL, "c", "b")
      .build();

  RouterBuilder builder() {
    return Router.builder().catalog(CATALOG).provider(p1).provider(p2).strategy(TABLE).clock(ticker)
        .listener(recorder);
  }

  Router router() {
    return builder().build();
  }

  Router router(RouterSettings settings) {
    return builder().settings(settings).build();
  }

  <E extends RouterEvent> List<E> events(Class<E> type) {
    return events.stream().filter(type::isInstance).map(type::cast).toList();
  }
}
