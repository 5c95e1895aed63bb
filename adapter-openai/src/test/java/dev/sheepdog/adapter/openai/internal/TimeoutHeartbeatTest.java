package dev.sheepdog.adapter.openai.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InterruptedIOException;
import java.util.concurrent.TimeUnit;
import okio.AsyncTimeout;
import okio.Buffer;
import okio.BufferedSource;
import okio.Okio;
import okio.Source;
import okio.Timeout;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Okio's timeout thread: the heartbeat runs while anyone holds it, and timeouts still fire behind it. */
class TimeoutHeartbeatTest {
  private int held;

  @AfterEach
  void releaseAll() {
    while (held > 0) {
      release();
    }
  }

  @Test
  void runs_until_the_last_holder_releases_it() {
    // given a heartbeat that others (providers of other tests) may hold too
    long before = TimeoutHeartbeat.beats();
    acquire();
    acquire();
    // when
    release();
    // then
    assertThat(TimeoutHeartbeat.beats()).isGreaterThanOrEqualTo(0);
    release();
    if (before == -1) {
      assertThat(TimeoutHeartbeat.beats()).isEqualTo(-1);
    }
  }

  @Test
  void beats_and_lets_a_shorter_timeout_fire_on_time() throws Exception {
    // given
    acquire();
    long start = System.nanoTime();
    // when a read that never gets data has a 30 ms timeout, while the heartbeat's entry is queued too
    NeverSource never = new NeverSource();
    AsyncTimeout timeout = new AsyncTimeout() {
      @Override
      protected void timedOut() {
        // what OkHttp's socket timeouts do: close the socket under the blocked read
        never.close();
      }
    };
    timeout.timeout(30, TimeUnit.MILLISECONDS);
    BufferedSource source = Okio.buffer(timeout.source(never));
    // then it times out after its 30 ms, not at the heartbeat's pace or later
    assertThatThrownBy(source::readByte).isInstanceOf(InterruptedIOException.class);
    long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    assertThat(elapsedMillis).isBetween(25L, 2_000L);
    // and the heartbeat fires again and again (every 100 ms) while held
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    long first = TimeoutHeartbeat.beats();
    while (TimeoutHeartbeat.beats() < first + 2 && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
    assertThat(TimeoutHeartbeat.beats()).isGreaterThanOrEqualTo(first + 2);
  }

  private void acquire() {
    TimeoutHeartbeat.acquire();
    held++;
  }

  private void release() {
    TimeoutHeartbeat.release();
    held--;
  }

  /** A source whose reads block until interrupted by the timeout's cancel, like a silent socket. */
  private static final class NeverSource implements Source {
    private final Object lock = new Object();
    private volatile boolean closed;

    @Override
    public long read(Buffer sink, long byteCount) throws java.io.IOException {
      synchronized (lock) {
        while (!closed) {
          try {
            lock.wait(5);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException();
          }
        }
      }
      throw new java.io.IOException("closed");
    }

    @Override
    public Timeout timeout() {
      return Timeout.NONE;
    }

    @Override
    public void close() {
      closed = true;
    }
  }
}
