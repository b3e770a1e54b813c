package io.nexusmesh.sidecar.watchdog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.HttpStatus;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The studio watchdog: heartbeats over HTTP keep the panel; silence stops it, once. */
class IdleWatchdogTest {
  /** A clock the test moves. */
  private static final class MovableClock extends Clock {
    private volatile Instant now = Instant.parse("2026-12-01T10:00:00Z");

    void advance(Duration by) {
      now = now.plus(by);
    }

    @Override
    public java.time.ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }

  @Test
  void heartbeatsKeepThePanelAndThirtyIdleMinutesStopItOnce() {
    MovableClock clock = new MovableClock();
    AtomicInteger stops = new AtomicInteger();
    try (IdleWatchdog watchdog =
        new IdleWatchdog(Duration.ofMinutes(30), stops::incrementAndGet, clock)) {
      var server = watchdog.server(0);
      server.start().join();
      try {
        WebClient client = WebClient.of("http://127.0.0.1:" + server.activeLocalPort());
        clock.advance(Duration.ofMinutes(29));
        assertThat(client.post("/heartbeat", "").aggregate().join().status())
            .isEqualTo(HttpStatus.NO_CONTENT);
        clock.advance(Duration.ofMinutes(29));
        assertThat(client.get("/idle").aggregate().join().contentUtf8())
            .contains("\"idleSeconds\":1740", "\"timeoutSeconds\":1800");
        assertThat(watchdog.fired()).isFalse();
        clock.advance(Duration.ofMinutes(2));
        await().atMost(Duration.ofSeconds(30)).until(watchdog::fired);
        clock.advance(Duration.ofMinutes(60));
        assertThat(stops).hasValue(1);
      } finally {
        server.stop().join();
      }
    }
  }
}
