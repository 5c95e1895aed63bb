package dev.sheepdog.core.deferred;

import static dev.sheepdog.core.deferred.InMemoryDeferredQueueTest.request;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sheepdog.spi.ChatResponse;
import dev.sheepdog.spi.DeferredAnswer;
import dev.sheepdog.spi.DeferredEntry;
import dev.sheepdog.spi.DeferredQueue;
import dev.sheepdog.spi.DeferredRequest;
import dev.sheepdog.spi.DeferredState;
import dev.sheepdog.spi.ModelId;
import dev.sheepdog.spi.Money;
import dev.sheepdog.spi.Usage;
import dev.sheepdog.testkit.ManualTicker;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class DeferredReplayerTest {
  private final ManualTicker ticker = new ManualTicker();
  private final InMemoryDeferredQueue queue = new InMemoryDeferredQueue();
  private final List<String> delivered = new CopyOnWriteArrayList<>();
  private final List<String> deadLettered = new CopyOnWriteArrayList<>();
  private final DeferredReplayListener<String> listener = new DeferredReplayListener<>() {
    @Override
    public void onDelivered(DeferredEntry entry, String result) {
      delivered.add(entry.id() + "=" + result);
    }

    @Override
    public void onDeadLettered(DeferredEntry entry, String reason) {
      deadLettered.add(entry.id() + ": " + reason);
    }
  };

  private DeferredReplayer<String> replayer(Function<DeferredRequest, CompletableFuture<String>> replay) {
    return replayer(queue, replay, ReplayPolicy.DEFAULT, failure -> ReplayFailure.retry());
  }

  private DeferredReplayer<String> replayer(DeferredQueue target,
      Function<DeferredRequest, CompletableFuture<String>> replay, ReplayPolicy policy,
      Function<Throwable, ReplayFailure> judge) {
    return new DeferredReplayer<>(target, replay, DeferredReplayerTest::answerOf, listener, policy, ticker, ticker,
        judge);
  }

  /** What a replayer keeps of a string "answer". */
  private static DeferredAnswer answerOf(String text) {
    return new DeferredAnswer(ModelId.of("m"), ChatResponse.of("id", "m", text, "stop", Usage.NONE), Money.ZERO, 0);
  }

  /** A "model" that fails its first {@code failures} calls per request, then answers. */
  private static Function<DeferredRequest, CompletableFuture<String>> recoversAfter(
      int failures, Map<String, AtomicInteger> calls) {
    return request -> {
      int call = calls.computeIfAbsent(request.id(), id -> new AtomicInteger()).incrementAndGet();
      return call <= failures
          ? CompletableFuture.failedFuture(new IllegalStateException("503 from every model"))
          : CompletableFuture.completedFuture("answer " + call);
    };
  }

  @Test
  void requestIsDeliveredExactlyOnceAfterTheModelRecovers() {
    // given
    Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
    DeferredReplayer<String> replayer = replayer(recoversAfter(2, calls));
    replayer.defer(request("r1", ticker.epochMillis()));

    // when passes run every second for ten minutes
    for (int i = 0; i < 600; i++) {
      replayer.replayDue().join();
      ticker.advance(Duration.ofSeconds(1));
    }

    // then
    assertThat(calls.get("r1").get()).isEqualTo(3);
    assertThat(delivered).containsExactly("r1=answer 3");
    assertThat(queue.find("r1")).get().satisfies(e -> {
      assertThat(e.state()).isEqualTo(DeferredState.DELIVERED);
      assertThat(e.replays()).isEqualTo(2);
    });
  }

  @Test
  void failedReplayWaitsForItsBackoff() {
    // given
    Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
    DeferredReplayer<String> replayer = replayer(recoversAfter(1, calls));
    replayer.defer(request("r1", ticker.epochMillis()));

    // when
    ReplayPass first = replayer.replayDue().join();
    ticker.advance(Duration.ofMillis(4_999));
    ReplayPass early = replayer.replayDue().join();
    ticker.advance(Duration.ofMillis(1));
    ReplayPass onTime = replayer.replayDue().join();

    // then
    assertThat(first).isEqualTo(new ReplayPass(1, 0, 1, 0));
    assertThat(early).isEqualTo(new ReplayPass(0, 0, 0, 0));
    assertThat(onTime).isEqualTo(new ReplayPass(1, 1, 0, 0));
  }

  @Test
  void entryIsDeadLetteredWithItsReasonAfterFiveFailedReplays() {
    // given
    Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
    DeferredReplayer<String> replayer = replayer(recoversAfter(Integer.MAX_VALUE, calls));
    replayer.defer(request("r1", ticker.epochMillis()));

    // when
    for (int i = 0; i < 100; i++) {
      replayer.replayDue().join();
      ticker.advance(Duration.ofMinutes(1));
    }

    // then
    assertThat(calls.get("r1").get()).isEqualTo(5);
    assertThat(deadLettered).containsExactly("r1: IllegalStateException: 503 from every model");
    assertThat(queue.find("r1")).get().satisfies(e -> {
      assertThat(e.state()).isEqualTo(DeferredState.DEAD_LETTERED);
      assertThat(e.replays()).isEqualTo(5);
      assertThat(e.lastReason()).isEqualTo("IllegalStateException: 503 from every model");
    });
    assertThat(delivered).isEmpty();
  }

  @Test
  void automaticReplayBacksOffBetweenRounds() {
    // given a model that never answers
    Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
    DeferredReplayer<String> replayer = replayer(recoversAfter(Integer.MAX_VALUE, calls));
    replayer.defer(request("r1", ticker.epochMillis()));

    // when
    replayer.start();
    ticker.runDue();
    List<Duration> delays = new java.util.ArrayList<>();
    for (int round = 0; round < 4; round++) {
      Duration next = ticker.pendingDelays().get(0);
      delays.add(next);
      ticker.advance(next);
    }

    // then the waits double: 5 s, 10 s, 20 s, 40 s; the fifth failure dead-letters
    assertThat(delays).containsExactly(
        Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(20), Duration.ofSeconds(40));
    assertThat(calls.get("r1").get()).isEqualTo(5);
    assertThat(queue.find("r1")).get().extracting(DeferredEntry::state).isEqualTo(DeferredState.DEAD_LETTERED);
    assertThat(ticker.pendingDelays()).containsExactly(ReplayPolicy.DEFAULT.idlePoll());

    replayer.stop();
    assertThat(ticker.pendingTasks()).isZero();
  }

  @Test
  void deferringWakesAnIdleReplayer() {
    // given a running replayer idling on an empty queue
    Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
    DeferredReplayer<String> replayer = replayer(recoversAfter(0, calls));
    replayer.start();
    ticker.runDue();
    assertThat(ticker.pendingDelays()).containsExactly(Duration.ofSeconds(30));

    // when
    ticker.advance(Duration.ofSeconds(1));
    replayer.defer(request("r1", ticker.epochMillis()));
    ticker.advance(Duration.ofSeconds(5));

    // then
    assertThat(delivered).containsExactly("r1=answer 1");
  }

  @Test
  void concurrentPassesNeverReplayAnEntryTwice() {
    // given replays that answer only when the test says so
    CompletableFuture<String> answer = new CompletableFuture<>();
    AtomicInteger calls = new AtomicInteger();
    DeferredReplayer<String> replayer = replayer(request -> {
      calls.incrementAndGet();
      return answer;
    });
    replayer.defer(request("r1", ticker.epochMillis()));

    // when a second pass starts while the first replay is in flight
    CompletableFuture<ReplayPass> first = replayer.replayDue();
    ReplayPass second = replayer.replayDue().join();
    answer.complete("ok");

    // then
    assertThat(second.replayed()).isZero();
    assertThat(first.join()).isEqualTo(new ReplayPass(1, 1, 0, 0));
    assertThat(calls).hasValue(1);
    assertThat(delivered).containsExactly("r1=ok");
    assertThat(replayer.replayDue().join().replayed()).isZero();
  }

  @Test
  void replayNowReplaysAnEntryThatIsNotDueYet() {
    // given an entry that failed once and waits out its 5 s backoff
    Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
    DeferredReplayer<String> replayer = replayer(recoversAfter(1, calls));
    replayer.defer(request("r1", ticker.epochMillis()));
    replayer.replayDue().join();

    // when
    Optional<DeferredEntry> settled = replayer.replayNow("r1").join();

    // then
    assertThat(settled).get().satisfies(e -> {
      assertThat(e.state()).isEqualTo(DeferredState.DELIVERED);
      assertThat(e.replays()).isEqualTo(1);
    });
    assertThat(delivered).containsExactly("r1=answer 2");
    assertThat(replayer.replayNow("r1").join()).as("a delivered entry is not replayed again").isEmpty();
  }

  @Test
  void replayNowSettlesAFailureLikeAPass() {
    // given
    DeferredReplayer<String> replayer = replayer(recoversAfter(Integer.MAX_VALUE, new ConcurrentHashMap<>()));
    replayer.defer(request("r1", ticker.epochMillis()));

    // when
    Optional<DeferredEntry> settled = replayer.replayNow("r1").join();

    // then
    assertThat(settled).get().satisfies(e -> {
      assertThat(e.state()).isEqualTo(DeferredState.QUEUED);
      assertThat(e.replays()).isEqualTo(1);
      assertThat(e.nextAttemptAtEpochMillis()).isEqualTo(ticker.epochMillis() + 5_000);
      assertThat(e.lastReason()).isEqualTo("IllegalStateException: 503 from every model");
    });
  }

  @Test
  void replayNowLeavesAnEntryInFlightAloneAndIgnoresUnknownIds() {
    // given a pass whose replay has not answered yet
    CompletableFuture<String> answer = new CompletableFuture<>();
    AtomicInteger calls = new AtomicInteger();
    DeferredReplayer<String> replayer = replayer(request -> {
      calls.incrementAndGet();
      return answer;
    });
    replayer.defer(request("r1", ticker.epochMillis()));
    CompletableFuture<ReplayPass> pass = replayer.replayDue();

    // when
    Optional<DeferredEntry> during = replayer.replayNow("r1").join();
    Optional<DeferredEntry> unknown = replayer.replayNow("nope").join();
    answer.complete("ok");

    // then
    assertThat(during).isEmpty();
    assertThat(unknown).isEmpty();
    assertThat(pass.join()).isEqualTo(new ReplayPass(1, 1, 0, 0));
    assertThat(calls).hasValue(1);
  }

  @Test
  void backoffDoublesUpToItsCap() {
    ReplayPolicy policy = ReplayPolicy.DEFAULT;
    assertThat(policy.backoffAfter(1)).isEqualTo(Duration.ofSeconds(5));
    assertThat(policy.backoffAfter(4)).isEqualTo(Duration.ofSeconds(40));
    assertThat(policy.backoffAfter(7)).isEqualTo(Duration.ofSeconds(300));
    assertThat(policy.backoffAfter(1_000)).isEqualTo(Duration.ofMinutes(5));
  }

  @Test
  void entriesBeingReplayedNeitherHideADueEntryBehindThemNorSpinTheScheduler() {
    // given: passes of two; r1 and r2 are being replayed by a manual pass whose calls have not answered; r3 is due
    AtomicInteger dueCalls = new AtomicInteger();
    java.util.concurrent.atomic.AtomicReference<DeferredReplayer<String>> replayerRef =
        new java.util.concurrent.atomic.AtomicReference<>();
    DeferredQueue counted = new CountingQueue(queue, () -> {
      if (dueCalls.incrementAndGet() == 100) {
        replayerRef.get().stop(); // ends a spin, which the assertions below then report
      }
    });
    Map<String, CompletableFuture<String>> pending = Map.of("r1", new CompletableFuture<>(), "r2",
        new CompletableFuture<>());
    DeferredReplayer<String> replayer = replayer(counted,
        request -> pending.getOrDefault(request.id(), CompletableFuture.completedFuture("answer")),
        new ReplayPolicy(Duration.ofSeconds(5), Duration.ofMinutes(5), 5, 2, Duration.ofSeconds(30),
            Duration.ofMinutes(5)), failure -> ReplayFailure.retry());
    replayerRef.set(replayer);
    for (String id : List.of("r1", "r2", "r3")) {
      counted.offer(request(id, ticker.epochMillis()));
    }
    replayer.replayDue();
    // when
    replayer.start();
    ticker.runDue();
    // then
    assertThat(delivered).containsExactly("r3=answer");
    assertThat(dueCalls.get()).isLessThanOrEqualTo(3);
    assertThat(replayer.isRunning()).isTrue();
  }

  /** A listener that writes what it hears into {@code heard}. */
  private static DeferredReplayListener<String> recordingInto(List<String> heard) {
    return new DeferredReplayListener<>() {
      @Override
      public void onDelivered(DeferredEntry entry, String result) {
        heard.add(entry.id() + "=" + result);
      }

      @Override
      public void onDeadLettered(DeferredEntry entry, String reason) {
        heard.add(entry.id() + " dead: " + reason);
      }

      @Override
      public void onReplayFailed(DeferredEntry entry, String reason) {
        heard.add(entry.id() + " failed: " + reason);
      }
    };
  }

  private DeferredReplayer<String> replayerHeardBy(List<String> heard,
      Function<DeferredRequest, CompletableFuture<String>> replay) {
    return new DeferredReplayer<>(queue, replay, DeferredReplayerTest::answerOf, recordingInto(heard),
        ReplayPolicy.DEFAULT, ticker, ticker);
  }

  @Test
  void aLeaseEndingMidReplayLeadsToOneDeliveryNotTwo() {
    // given replayer A claimed r1 and its replay has not answered
    List<String> heardByA = new CopyOnWriteArrayList<>();
    List<String> heardByB = new CopyOnWriteArrayList<>();
    CompletableFuture<String> slowAnswer = new CompletableFuture<>();
    DeferredReplayer<String> a = replayerHeardBy(heardByA, request -> slowAnswer);
    DeferredReplayer<String> b = replayerHeardBy(heardByB,
        request -> CompletableFuture.completedFuture("from B"));
    queue.offer(request("r1", ticker.epochMillis()));
    CompletableFuture<ReplayPass> passOfA = a.replayDue();
    assertThat(queue.find("r1")).get().extracting(DeferredEntry::state).isEqualTo(DeferredState.REPLAYING);

    // when A's lease ends, B replays and delivers, and only then does A's replay answer
    ticker.advance(ReplayPolicy.DEFAULT.lease());
    ReplayPass passOfB = b.replayDue().join();
    slowAnswer.complete("from A");

    // then the entry keeps B's answer and A's late answer is dropped
    assertThat(passOfB).isEqualTo(new ReplayPass(1, 1, 0, 0));
    assertThat(passOfA.join().delivered()).isZero();
    assertThat(passOfA.join()).isEqualTo(new ReplayPass(0, 0, 0, 0));
    assertThat(heardByB).containsExactly("r1=from B");
    assertThat(heardByA).isEmpty();
    assertThat(queue.find("r1")).get().satisfies(e -> {
      assertThat(e.state()).isEqualTo(DeferredState.DELIVERED);
      assertThat(e.delivered()).get().extracting(answer -> answer.response().content()).isEqualTo("from B");
      assertThat(e.claim()).isEqualTo(2);
    });
    assertThat(a.replayDue().join().replayed()).as("nothing left for A").isZero();
  }

  @Test
  void anEntryLeftReplayingByADeadReplayerIsReplayedOnceAfterItsLeaseEnds() {
    // given a replayer claimed r1 and died without settling it
    long claimedAt = ticker.epochMillis();
    queue.offer(request("r1", claimedAt));
    long leaseEnd = claimedAt + ReplayPolicy.DEFAULT.lease().toMillis();
    queue.claim("r1", claimedAt, leaseEnd).orElseThrow();
    List<Long> callsAt = new CopyOnWriteArrayList<>();
    DeferredReplayer<String> successor = replayer(request -> {
      callsAt.add(ticker.epochMillis());
      return CompletableFuture.completedFuture("answer");
    });

    // when a new replayer runs automatically for twenty minutes
    successor.start();
    ticker.runDue();
    for (int second = 0; second < 20 * 60; second++) {
      ticker.advance(Duration.ofSeconds(1));
    }
    successor.stop();

    // then it replayed r1 exactly once, not before the lease ended
    assertThat(callsAt).hasSize(1);
    assertThat(callsAt.get(0)).isGreaterThanOrEqualTo(leaseEnd);
    assertThat(delivered).containsExactly("r1=answer");
    assertThat(queue.find("r1")).get().satisfies(e -> {
      assertThat(e.state()).isEqualTo(DeferredState.DELIVERED);
      assertThat(e.claim()).isEqualTo(2);
      assertThat(e.replays()).isZero();
    });
  }

  @Test
  void anEntryUnderALiveLeaseIsNotReplayedByAManualPassEither() {
    // given
    queue.offer(request("r1", ticker.epochMillis()));
    queue.claim("r1", ticker.epochMillis(), ticker.epochMillis() + 60_000).orElseThrow();
    AtomicInteger calls = new AtomicInteger();
    DeferredReplayer<String> replayer = replayer(request -> {
      calls.incrementAndGet();
      return CompletableFuture.completedFuture("answer");
    });

    // when
    ReplayPass pass = replayer.replayDue().join();
    Optional<DeferredEntry> now = replayer.replayNow("r1").join();

    // then
    assertThat(pass.replayed()).isZero();
    assertThat(now).isEmpty();
    assertThat(calls).hasValue(0);
  }

  @Test
  void aReplayThatTriedNoModelIsPutBackUncountedAndDueWhenTheJudgeSays() {
    // given a judge that says no model could be tried for the next 30 s
    List<String> heard = new CopyOnWriteArrayList<>();
    AtomicInteger calls = new AtomicInteger();
    DeferredReplayer<String> replayer = new DeferredReplayer<>(queue, request -> {
      calls.incrementAndGet();
      return CompletableFuture.failedFuture(new IllegalStateException("every circuit is open"));
    }, DeferredReplayerTest::answerOf, recordingInto(heard), ReplayPolicy.DEFAULT, ticker, ticker,
        failure -> ReplayFailure.notTried(Duration.ofSeconds(30)));
    long start = ticker.epochMillis();
    replayer.defer(request("r1", start));

    // when
    replayer.replayDue().join();

    // then
    assertThat(queue.find("r1")).get().satisfies(e -> {
      assertThat(e.state()).isEqualTo(DeferredState.QUEUED);
      assertThat(e.replays()).isZero();
      assertThat(e.nextAttemptAtEpochMillis()).isEqualTo(start + 30_000);
      assertThat(e.lastReason()).isEqualTo("IllegalStateException: every circuit is open");
    });
    assertThat(heard).as("a replay that was not tried is no failed replay").isEmpty();
    ticker.advance(Duration.ofMillis(29_999));
    assertThat(replayer.replayDue().join().replayed()).isZero();
    ticker.advance(Duration.ofMillis(1));
    assertThat(replayer.replayDue().join().replayed()).isOne();
    assertThat(calls).hasValue(2);
  }

  @Test
  void aReplayThatTriedNoModelWaitsAtLeastTheInitialBackoffAndIsNeverDeadLettered() {
    // given a judge that says a model may take requests again in one second
    AtomicInteger calls = new AtomicInteger();
    DeferredReplayer<String> replayer = replayer(queue, request -> {
      calls.incrementAndGet();
      return CompletableFuture.failedFuture(new IllegalStateException("every circuit is open"));
    }, ReplayPolicy.DEFAULT, failure -> ReplayFailure.notTried(Duration.ofSeconds(1)));
    long start = ticker.epochMillis();
    replayer.defer(request("r1", start));

    // when
    replayer.replayDue().join();
    long firstDue = queue.find("r1").orElseThrow().nextAttemptAtEpochMillis();
    for (int i = 0; i < 20; i++) {
      ticker.advance(ReplayPolicy.DEFAULT.initialBackoff());
      replayer.replayDue().join();
    }

    // then
    assertThat(firstDue).isEqualTo(start + ReplayPolicy.DEFAULT.initialBackoff().toMillis());
    assertThat(calls).hasValue(21);
    assertThat(queue.find("r1")).get().satisfies(e -> {
      assertThat(e.state()).isEqualTo(DeferredState.QUEUED);
      assertThat(e.replays()).isZero();
    });
    assertThat(deadLettered).isEmpty();
  }

  @Test
  void aDeliveredEntryKeepsTheAnswerOfItsReplay() {
    // given
    DeferredReplayer<String> replayer = replayer(request -> CompletableFuture.completedFuture("the answer"));
    replayer.defer(request("r1", ticker.epochMillis()));

    // when
    replayer.replayDue().join();

    // then
    assertThat(queue.find("r1")).get().satisfies(e -> {
      assertThat(e.state()).isEqualTo(DeferredState.DELIVERED);
      assertThat(e.delivered()).contains(answerOf("the answer"));
    });
  }

  /** The queue, with a hook run on every {@code due()}. */
  private static final class CountingQueue extends ForwardingDeferredQueue {
    private final Runnable onDue;

    CountingQueue(DeferredQueue delegate, Runnable onDue) {
      super(delegate);
      this.onDue = onDue;
    }

    @Override
    public List<DeferredEntry> due(long nowEpochMillis, int max) {
      onDue.run();
      return super.due(nowEpochMillis, max);
    }
  }
}
