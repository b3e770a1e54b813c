package io.nexusmesh.sidecar.watchdog;

import static java.util.Objects.requireNonNull;

import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.server.Route;
import com.linecorp.armeria.server.Server;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The studio-mode watchdog: the panel's UI beats {@code POST /heartbeat} (every 5 minutes); after
 * {@code idleTimeout} without a beat the watchdog runs its {@link IdleAction} once (in a pod:
 * delete the pod; on a laptop: stop the panel). {@code GET /idle} tells how long it has been idle.
 */
public final class IdleWatchdog implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(IdleWatchdog.class);

  /** What to do when the panel has been idle too long. */
  @FunctionalInterface
  public interface IdleAction {
    /** Stops the panel. */
    void stop() throws Exception;
  }

  private final Duration idleTimeout;
  private final IdleAction action;
  private final Clock clock;
  private final AtomicBoolean acting = new AtomicBoolean();
  private volatile boolean fired;
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(
          Thread.ofPlatform().daemon().name("idle-watchdog").factory());
  private volatile Instant lastBeat;

  public IdleWatchdog(Duration idleTimeout, IdleAction action, Clock clock) {
    this.idleTimeout = requireNonNull(idleTimeout, "idleTimeout");
    this.action = requireNonNull(action, "action");
    this.clock = requireNonNull(clock, "clock");
    this.lastBeat = clock.instant();
    long check = Math.max(100, Math.min(idleTimeout.toMillis() / 10, 10_000));
    timer.scheduleWithFixedDelay(this::check, check, check, TimeUnit.MILLISECONDS);
  }

  /** A heartbeat: the panel is in use. */
  public void beat() {
    lastBeat = clock.instant();
  }

  /** How long since the last heartbeat. */
  public Duration idle() {
    return Duration.between(lastBeat, clock.instant());
  }

  /** Whether the idle action ran to its end. */
  public boolean fired() {
    return fired;
  }

  /** The watchdog's HTTP server on {@code port}. */
  public Server server(int port) {
    return Server.builder()
        .http(port)
        .service(
            Route.builder()
                .exact("/heartbeat")
                .methods(com.linecorp.armeria.common.HttpMethod.POST)
                .build(),
            (ctx, req) -> {
              beat();
              return HttpResponse.of(HttpStatus.NO_CONTENT);
            })
        .service(
            Route.builder()
                .exact("/idle")
                .methods(com.linecorp.armeria.common.HttpMethod.GET)
                .build(),
            (ctx, req) ->
                HttpResponse.ofJson(
                    java.util.Map.of(
                        "idleSeconds",
                        idle().toSeconds(),
                        "timeoutSeconds",
                        idleTimeout.toSeconds())))
        .build();
  }

  private void check() {
    if (fired || idle().compareTo(idleTimeout) < 0 || !acting.compareAndSet(false, true)) {
      return;
    }
    log.info("the panel was idle for {}: stopping it", idle());
    try {
      action.stop();
      fired = true;
    } catch (Exception e) {
      log.warn("stopping the idle panel failed; trying again", e);
    } finally {
      acting.set(false);
    }
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
