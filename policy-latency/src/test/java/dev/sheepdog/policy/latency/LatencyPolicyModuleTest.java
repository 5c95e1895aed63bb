package dev.sheepdog.policy.latency;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.inject.AbstractModule;
import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.Key;
import com.google.inject.TypeLiteral;
import com.google.inject.multibindings.OptionalBinder;
import dev.sheepdog.spi.Priority;
import dev.sheepdog.spi.SelectionStrategy;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LatencyPolicyModuleTest {
  private static final Key<Map<String, SelectionStrategy>> STRATEGIES =
      Key.get(new TypeLiteral<Map<String, SelectionStrategy>>() {});

  @Test
  void bindsBothLatencyStrategiesByName() {
    // given
    Injector injector = Guice.createInjector(new LatencyPolicyModule());

    // when
    Map<String, SelectionStrategy> strategies = injector.getInstance(STRATEGIES);

    // then
    assertThat(strategies).containsOnlyKeys("latency", "latency-tier");
    assertThat(strategies.get("latency")).isSameAs(PeakEwmaStrategy.ofDefaults());
    assertThat(strategies.get("latency-tier")).isSameAs(LatencyTierStrategy.ofDefaults());
  }

  @Test
  void tiersAreReplacedThroughTheOptionalBinding() {
    // given
    LatencyTierStrategy relaxed = LatencyTierStrategy.builder().tier(Priority.FAST, Duration.ofSeconds(2)).build();
    AbstractModule override = new AbstractModule() {
      @Override
      protected void configure() {
        OptionalBinder.newOptionalBinder(binder(), LatencyTierStrategy.class).setBinding().toInstance(relaxed);
      }
    };

    // when
    Map<String, SelectionStrategy> strategies =
        Guice.createInjector(new LatencyPolicyModule(), override).getInstance(STRATEGIES);

    // then
    assertThat(strategies.get("latency-tier")).isSameAs(relaxed);
  }
}
