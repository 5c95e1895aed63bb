package dev.sheepdog.policy.cost;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.inject.AbstractModule;
import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.Key;
import com.google.inject.TypeLiteral;
import com.google.inject.multibindings.OptionalBinder;
import dev.sheepdog.spi.Price;
import dev.sheepdog.spi.SelectionStrategy;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CostPolicyModuleTest {
  private static final Key<Map<String, SelectionStrategy>> STRATEGIES =
      Key.get(new TypeLiteral<Map<String, SelectionStrategy>>() {});

  @Test
  void bindsTheCostAwareStrategyAsCost() {
    // given
    Injector injector = Guice.createInjector(new CostPolicyModule());

    // when
    Map<String, SelectionStrategy> strategies = injector.getInstance(STRATEGIES);

    // then
    assertThat(strategies).containsOnlyKeys("cost");
    assertThat(strategies.get("cost")).isInstanceOf(CostAwareStrategy.class)
        .isSameAs(injector.getInstance(CostAwareStrategy.class));
    CostAwareStrategy cost = (CostAwareStrategy) strategies.get("cost");
    assertThat(cost.qualityFloors()).isEqualTo(QualityFloors.defaults());
    assertThat(cost.priceCeiling()).isSameAs(PriceCeiling.NONE);
  }

  @Test
  void aBudgetFeedsItsCeilingWithoutReplacingTheModule() {
    // given
    AdjustablePriceCeiling ceiling = PriceCeiling.adjustable();
    ceiling.limitTo(Price.perMillion("1.00", "4.00"));
    AbstractModule budget = new AbstractModule() {
      @Override
      protected void configure() {
        OptionalBinder.newOptionalBinder(binder(), PriceCeiling.class).setBinding().toInstance(ceiling);
      }
    };

    // when
    Map<String, SelectionStrategy> strategies =
        Guice.createInjector(new CostPolicyModule(), budget).getInstance(STRATEGIES);

    // then
    assertThat(((CostAwareStrategy) strategies.get("cost")).priceCeiling()).isSameAs(ceiling);
  }

  @Test
  void installingTheModuleTwiceIsHarmless() {
    // when
    Map<String, SelectionStrategy> strategies =
        Guice.createInjector(new CostPolicyModule(), new CostPolicyModule()).getInstance(STRATEGIES);

    // then
    assertThat(strategies).containsOnlyKeys("cost");
  }
}
