package dev.sheepdog.gateway.demo;

import com.google.inject.Guice;
import com.google.inject.multibindings.MapBinder;
import com.google.inject.multibindings.Multibinder;
import com.google.inject.multibindings.OptionalBinder;
import dev.sheepdog.adapter.sandbox.SandboxProvider;
import dev.sheepdog.core.HealthReport;
import dev.sheepdog.core.Router;
import dev.sheepdog.core.RouterSettings;
import dev.sheepdog.core.alert.AlertRules;
import dev.sheepdog.core.inject.RouterModule;
import dev.sheepdog.core.stats.StatsConfig;
import dev.sheepdog.core.stats.StatsSnapshot;
import dev.sheepdog.gateway.GatewayMetrics;
import dev.sheepdog.gateway.GatewayServer;
import dev.sheepdog.gateway.GatewaySettings;
import dev.sheepdog.spi.ChatProvider;
import dev.sheepdog.spi.CircuitState;
import dev.sheepdog.spi.ModelCatalog;
import dev.sheepdog.spi.ModelId;
import dev.sheepdog.spi.ProviderId;
import dev.sheepdog.spi.RouterEvent;
import dev.sheepdog.spi.RouterListener;
import dev.sheepdog.spi.catalog.TutorialModels;
import java.net.URI;
import java.net.http.HttpClient;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * One run of the demo: sandbox models behind a real router and a real gateway on a loopback port,
 * traffic through its HTTP endpoint, faults injected and healed on the plan's schedule, a view
 * while it runs and a report at the end.
 *
 * <p>Threads: the caller's thread paces the traffic; one scheduler thread injects the faults and
 * draws the view; the HTTP client's threads record answers; the router's listeners run on the
 * sandbox's scheduler. Everything they share is concurrent ({@link ClientTally}, {@link
 * DemoRecorder}) or confined to the scheduler thread (the view, {@link ShareWindow}).
 */
final class DemoRun {
  /** Goes down: the model most requests try first. */
  static final ModelId OUTAGE = TutorialModels.GPT_4_1_MINI;
  /**
   * Answers 429 to everything: the premium model, first choice of the hard routes. Every route
   * keeps a model the faults spare, so failover can answer every request.
   */
  static final ModelId STORM = TutorialModels.GPT_4_1;
  /** What every request is priced at for the cost comparison: the premium model. */
  static final ModelId REFERENCE = TutorialModels.GPT_4_1;

  private final DemoOptions options;
  private final DemoPlan plan;
  private final ViewFactory views;

  /** Makes the view once the gateway's address and the admin key are known. */
  interface ViewFactory {
    DemoView create(DemoPlan plan, String header);
  }

  DemoRun(DemoOptions options, ViewFactory views) {
    this.options = options;
    this.plan = new DemoPlan(options.duration(), options.timeScale(), OUTAGE, STORM);
    this.views = views;
  }

  /** Runs the demo to the end and reports; the gateway is closed when it returns. */
  DemoReport run() throws InterruptedException {
    SandboxProvider sandbox = SandboxProvider.builder().seed(options.seed()).timeScale(options.timeScale()).build();
    ModelCatalog catalog = plan.scaledLimits(TutorialModels.catalog(sandbox.id()));
    DemoRecorder recorder = new DemoRecorder(new CostComparison.Tally(REFERENCE, catalog.require(REFERENCE).price()));
    GatewayMetrics metrics = GatewayMetrics.create();
    // the same RouterModule the gateway's injector is built with, its defaults set to the demo's
    Router router = Guice.createInjector(new RouterModule(), binder -> {
      binder.bind(ModelCatalog.class).toInstance(catalog);
      MapBinder.newMapBinder(binder, ProviderId.class, ChatProvider.class).addBinding(sandbox.id())
          .toInstance(sandbox);
      OptionalBinder.newOptionalBinder(binder, RouterSettings.class).setBinding().toInstance(plan.routerSettings());
      OptionalBinder.newOptionalBinder(binder, StatsConfig.class).setBinding().toInstance(plan.stats());
      OptionalBinder.newOptionalBinder(binder, AlertRules.class).setBinding().toInstance(plan.alerts());
      Multibinder<RouterListener> listeners = Multibinder.newSetBinder(binder, RouterListener.class);
      listeners.addBinding().toInstance(metrics);
      listeners.addBinding().toInstance(recorder);
    }).getInstance(Router.class);
    String adminKey = newKey("sk-demo-admin-");
    String clientKey = newKey("sk-demo-client-");
    GatewaySettings settings = GatewaySettings.builder()
        .host("127.0.0.1")
        .port(options.port())
        .clientKey(clientKey)
        .adminKey(adminKey)
        .drainTimeout(Duration.ofSeconds(2))
        .build();
    Duration requestTimeout = plan.routerSettings().deadline().plusSeconds(10);
    ClientTally tally = new ClientTally();
    GatewayServer started;
    try {
      // the sandbox's faults can be switched by hand too, at /admin/sandbox/faults
      started = GatewayServer.start(router, settings, metrics, null, List.of(sandbox));
    } catch (IllegalStateException e) {
      String cause = e.getCause() == null ? "" : ": " + e.getCause().getMessage();
      throw new GatewayNotStartedException(e.getMessage() + cause + "; choose another --port, or 0 for a free one");
    }
    try (GatewayServer gateway = started) {
      URI dashboard = URI.create(gateway.uri() + "/dashboard");
      DemoView view = views.create(plan, header(catalog));
      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5)).build();
      TrafficDriver driver = new TrafficDriver(http, URI.create(gateway.uri() + "/v1/chat/completions"), clientKey,
          new TrafficMix(options.seed()), options.rate(), options.concurrency(), requestTimeout, tally);
      Snapshots snapshots = new Snapshots(router, recorder, tally, dashboard, adminKey);
      ScheduledExecutorService timeline = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "sheepdog-demo-timeline");
        thread.setDaemon(true);
        return thread;
      });
      long start = System.nanoTime();
      recorder.start(System.currentTimeMillis());
      snapshots.start(start, System.currentTimeMillis());
      timeline.schedule(() -> sandbox.faults().outage(OUTAGE).rateLimitStorm(STORM, plan.stormRetryAfter()),
          plan.faultsAt().toNanos(), TimeUnit.NANOSECONDS);
      timeline.schedule(() -> sandbox.faults().healAll(), plan.healAt().toNanos(), TimeUnit.NANOSECONDS);
      long interval = view.interval().toNanos();
      timeline.scheduleAtFixedRate(() -> {
        try {
          view.show(snapshots.take());
        } catch (RuntimeException e) {
          // a frame that cannot be drawn is skipped; an exception here would end every later frame
        }
      }, 0, interval, TimeUnit.NANOSECONDS);
      try {
        driver.run(start, start + options.duration().toNanos());
        driver.awaitQuiet(requestTimeout);
      } finally {
        timeline.shutdownNow();
        timeline.awaitTermination(5, TimeUnit.SECONDS);
        sandbox.faults().healAll();
      }
      Duration ran = Duration.ofNanos(System.nanoTime() - start);
      view.finish(snapshots.take());
      return report(ran, router.healthReport(), recorder, tally);
    }
  }

  private DemoReport report(Duration ran, HealthReport health, DemoRecorder recorder, ClientTally tally) {
    Map<ModelId, Long> served = recorder.served();
    List<DemoReport.ModelLine> models = new ArrayList<>();
    for (HealthReport.ModelReport m : health.models()) {
      StatsSnapshot.PeriodStats life = m.stats().lifetime();
      boolean answered = life.successes() > 0;
      models.add(new DemoReport.ModelLine(m.model(), served.getOrDefault(m.model(), 0L),
          answered ? life.p50() : null, answered ? life.p95() : null, life.calls(), life.errorRate(), m.spend()));
    }
    return new DemoReport(options, ran, OUTAGE, STORM, tally.snapshot(), recorder.failedEverywhere(),
        recorder.failovers(), recorder.circuitEvents(), models, recorder.cost());
  }

  private String header(ModelCatalog catalog) {
    return String.format(Locale.ROOT, "Sheepdog demo: %d simulated models, %.1f requests/s, latencies x%s",
        catalog.size(), options.rate(), options.timeScale());
  }

  private static String newKey(String prefix) {
    byte[] bytes = new byte[12];
    new SecureRandom().nextBytes(bytes);
    return prefix + HexFormat.of().formatHex(bytes);
  }

  /** Builds the views' snapshots; called from the timeline thread only. */
  private final class Snapshots {
    private final Router router;
    private final DemoRecorder recorder;
    private final ClientTally tally;
    private final URI dashboard;
    private final String adminKey;
    private final ShareWindow shares;
    private long start;
    private long startEpochMillis;
    private int circuitEventsSeen;

    Snapshots(Router router, DemoRecorder recorder, ClientTally tally, URI dashboard, String adminKey) {
      this.router = router;
      this.recorder = recorder;
      this.tally = tally;
      this.dashboard = dashboard;
      this.adminKey = adminKey;
      this.shares = new ShareWindow(max(Duration.ofSeconds(1), options.duration().dividedBy(15)));
    }

    synchronized void start(long startNanos, long epochMillis) {
      this.start = startNanos;
      this.startEpochMillis = epochMillis;
    }

    synchronized DemoSnapshot take() {
      long now = System.nanoTime();
      Duration elapsed = Duration.ofNanos(now - start);
      Map<ModelId, Double> recent = shares.update(now, recorder.served());
      HealthReport health = router.healthReport();
      List<DemoSnapshot.ModelRow> rows = new ArrayList<>();
      boolean allClosed = true;
      for (HealthReport.ModelReport m : health.models()) {
        StatsSnapshot.PeriodStats window = m.stats().window();
        boolean answered = window.successes() > 0;
        rows.add(new DemoSnapshot.ModelRow(m.model(), m.state(), m.coolDownUntilEpochMillis() != null,
            recent.getOrDefault(m.model(), 0.0),
            recorder.served().getOrDefault(m.model(), 0L), answered ? window.p50() : null,
            answered ? window.p95() : null, window.errorRate(), m.spend()));
        allClosed &= m.state() == CircuitState.CLOSED;
      }
      List<DemoRecorder.CircuitEvent> events = recorder.circuitEvents();
      List<DemoRecorder.CircuitEvent> fresh = List.copyOf(events.subList(circuitEventsSeen, events.size()));
      circuitEventsSeen = events.size();
      DemoPlan.Phase phase = plan.phaseAt(elapsed);
      String phaseText = phase == DemoPlan.Phase.RECOVERY && allClosed && outageCircuitClosed(events)
          ? "recovered: every circuit is closed and traffic is back on " + OUTAGE
          : plan.describe(phase);
      Duration shown = elapsed.compareTo(options.duration()) > 0 ? options.duration() : elapsed;
      return new DemoSnapshot(shown, options.duration(), phaseText, rows, tally.snapshot(), fresh,
          alert(recorder.lastAlert()), dashboard, adminKey);
    }

    private boolean outageCircuitClosed(List<DemoRecorder.CircuitEvent> events) {
      return events.stream().anyMatch(e -> e.model().equals(OUTAGE) && e.to() == CircuitState.CLOSED);
    }

    private String alert(RouterEvent.Alert alert) {
      if (alert == null) {
        return null;
      }
      String type = alert.type().name().toLowerCase(Locale.ROOT).replace('_', ' ');
      return type + " on " + alert.subject() + (alert.resolved() ? " resolved" : "") + " at "
          + Format.seconds(Duration.ofMillis(Math.max(0, alert.atEpochMillis() - startEpochMillis)));
    }
  }

  /**
   * Each model's share of the answers over the last {@code window}: counts now minus counts at
   * the oldest sample still inside the window.
   */
  static final class ShareWindow {
    private final long windowNanos;
    private final Deque<Sample> samples = new ArrayDeque<>();

    private record Sample(long nanos, Map<ModelId, Long> served) {}

    ShareWindow(Duration window) {
      this.windowNanos = window.toNanos();
    }

    Map<ModelId, Double> update(long nowNanos, Map<ModelId, Long> served) {
      samples.addLast(new Sample(nowNanos, served));
      // keep one sample at or beyond the window's edge as the baseline
      while (samples.size() > 2) {
        Sample oldest = samples.removeFirst();
        if (nowNanos - samples.getFirst().nanos() < windowNanos) {
          samples.addFirst(oldest);
          break;
        }
      }
      Map<ModelId, Long> base = samples.getFirst().served();
      long total = 0;
      Map<ModelId, Long> delta = new HashMap<>();
      for (Map.Entry<ModelId, Long> e : served.entrySet()) {
        long d = e.getValue() - base.getOrDefault(e.getKey(), 0L);
        delta.put(e.getKey(), d);
        total += d;
      }
      Map<ModelId, Double> shares = new HashMap<>();
      for (Map.Entry<ModelId, Long> e : delta.entrySet()) {
        shares.put(e.getKey(), total == 0 ? 0 : (double) e.getValue() / total);
      }
      return shares;
    }
  }

  /** The gateway could not bind its port. */
  static final class GatewayNotStartedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    GatewayNotStartedException(String message) {
      super(message);
    }
  }

  private static Duration max(Duration a, Duration b) {
    return a.compareTo(b) >= 0 ? a : b;
  }
}
