package dev.sheepdog.gateway.config;

import dev.sheepdog.adapter.sandbox.SandboxFault;
import dev.sheepdog.adapter.sandbox.SandboxProfile;
import dev.sheepdog.adapter.sandbox.SandboxProfiles;
import dev.sheepdog.adapter.sandbox.SandboxProvider;
import dev.sheepdog.spi.ModelId;
import dev.sheepdog.spi.ModelSpec;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code type: sandbox}: simulated models, no key and no network, for rehearsing a configuration
 * and its failure drills offline. Keys: {@code seed}, {@code time_scale}, {@code profiles} (per
 * model id: {@code mean_latency}, {@code p95_latency}, {@code availability}, {@code
 * tail_probability}, {@code requests_per_minute}, {@code tokens_per_second}) and {@code faults}
 * (per model id, the fault it starts with).
 *
 * <p>A model without a profile of its own takes the tutorial's profile of its id or upstream name
 * ({@link SandboxProfiles#tutorial()}), else {@link #DEFAULT_PROFILE}.
 */
final class SandboxProviderFactory implements ProviderFactory {
  static final String TYPE = "sandbox";

  /** For a model the tutorial did not measure: 1 s mean, 1.6 s p95, 99.5 % available. */
  static final SandboxProfile DEFAULT_PROFILE = SandboxProfile.ofMillis(1_000, 1_600, 99.5);

  private static final Logger log = LoggerFactory.getLogger(SandboxProviderFactory.class);
  private static final Duration FAULT_RETRY_AFTER = Duration.ofSeconds(30);
  private static final double FAULT_SLOWDOWN = 3;

  @Override
  public PreparedProvider prepare(ConfigNode section, String name) {
    long seed = section.longValue("seed", 0, Long.MIN_VALUE, Long.MAX_VALUE);
    double timeScale = section.decimal("time_scale", 1, 0, 1_000);
    Map<ModelId, SandboxProfile> profiles = new LinkedHashMap<>();
    section.namedSections("profiles").forEach((model, profile) -> readProfile(profile, model)
        .ifPresent(read -> profiles.put(ModelId.of(model), read)));
    Map<ModelId, SandboxFault> faults = new LinkedHashMap<>();
    ConfigNode faultSection = section.section("faults");
    for (String model : faultSection.keys()) {
      SandboxFault.Kind kind = faultSection.choice(model, SandboxFault.Kind.class, null);
      if (kind != null) {
        try {
          faults.put(ModelId.of(model), fault(kind));
        } catch (IllegalArgumentException e) {
          faultSection.rejected(e);
        }
      }
    }
    String description = "simulated models, seed " + seed + ", time scale " + timeScale
        + (faults.isEmpty() ? "" : ", starting with faults " + faults);
    return PreparedProvider.of(description, context -> {
      Map<ModelId, SandboxProfile> served = new LinkedHashMap<>();
      for (ModelSpec model : context.models()) {
        served.put(model.id(), profileFor(model, profiles, context.id().value()));
      }
      for (ModelId model : faults.keySet()) {
        if (!served.containsKey(model)) {
          throw new IllegalStateException("providers." + context.id().value() + ".faults names " + model
              + ", which is not a model of this provider (" + served.keySet() + ")");
        }
      }
      SandboxProvider provider = SandboxProvider.builder()
          .id(context.id())
          .seed(seed)
          .timeScale(timeScale)
          .scheduler(context.scheduler())
          .ticker(context.ticker())
          .profiles(served)
          .build();
      faults.forEach(provider.faults()::set);
      return provider;
    });
  }

  private static java.util.Optional<SandboxProfile> readProfile(ConfigNode node, String model) {
    SandboxProfile base = SandboxProfiles.tutorial().getOrDefault(ModelId.of(model), DEFAULT_PROFILE);
    Duration mean = node.duration("mean_latency", base.meanLatency());
    Duration p95 = node.duration("p95_latency", base.p95Latency());
    double availability = node.decimal("availability", base.availability(), 0, 1);
    double tail = node.decimal("tail_probability", base.tailProbability(), 0, 1);
    long rpm = node.longValue("requests_per_minute", base.requestsPerMinute(), 0, Long.MAX_VALUE);
    double tokensPerSecond = node.decimal("tokens_per_second", base.tokensPerSecond(), 0, 1_000_000);
    try {
      return java.util.Optional.of(new SandboxProfile(mean, p95, availability, tail, rpm, tokensPerSecond));
    } catch (IllegalArgumentException e) {
      node.rejected(e);
      return java.util.Optional.empty();
    }
  }

  private static SandboxProfile profileFor(ModelSpec model, Map<ModelId, SandboxProfile> configured,
      String provider) {
    SandboxProfile own = configured.get(model.id());
    if (own != null) {
      return own;
    }
    Map<ModelId, SandboxProfile> tutorial = SandboxProfiles.tutorial();
    SandboxProfile known = tutorial.get(model.id());
    if (known == null) {
      known = tutorial.get(ModelId.of(model.upstreamName()));
    }
    if (known != null) {
      return known;
    }
    log.info("Sandbox provider {}: model {} has no profile of its own; it answers like {}", provider,
        model.id().value(), DEFAULT_PROFILE);
    return DEFAULT_PROFILE;
  }

  private static SandboxFault fault(SandboxFault.Kind kind) {
    return switch (kind) {
      case OUTAGE -> SandboxFault.outage();
      case SLOWDOWN -> SandboxFault.slowdown(FAULT_SLOWDOWN);
      case RATE_LIMIT -> SandboxFault.rateLimit(FAULT_RETRY_AFTER);
      case STALL -> SandboxFault.stall();
      case BROKEN_STREAM -> SandboxFault.brokenStream();
    };
  }
}
