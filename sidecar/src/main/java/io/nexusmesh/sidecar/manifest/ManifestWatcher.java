package io.nexusmesh.sidecar.manifest;

import static java.util.Objects.requireNonNull;

import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.ContentTooLargeException;
import com.linecorp.armeria.common.HttpStatus;
import io.nexusmesh.sidecar.PanelApp;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the panel's {@code GET /manifest}: with backoff (from 100 ms, doubling to 5 s) until the
 * user server answers, then every {@link #REREAD} to notice a change. Every change of what the
 * manifest says goes to the listener; the latest is always at {@link #current()}.
 */
public final class ManifestWatcher implements AutoCloseable {
  /** How often a manifest that was read is read again. */
  public static final Duration REREAD = Duration.ofSeconds(5);

  private static final Logger log = LoggerFactory.getLogger(ManifestWatcher.class);
  private static final Duration FIRST_BACKOFF = Duration.ofMillis(100);
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(5);

  private final PanelApp app;
  private final Consumer<PanelManifest> listener;
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(
          Thread.ofPlatform().daemon().name("manifest-watcher").factory());
  private volatile PanelManifest current = PanelManifest.waiting("the panel has not answered yet");
  private Duration backoff = FIRST_BACKOFF;

  public ManifestWatcher(PanelApp app, Consumer<PanelManifest> listener) {
    this.app = requireNonNull(app, "app");
    this.listener = requireNonNull(listener, "listener");
  }

  /** Starts reading. */
  public void start() {
    timer.execute(this::readAndReschedule);
  }

  /** What the manifest says now. */
  public PanelManifest current() {
    return current;
  }

  /** Reads the manifest now (also what the timer does). */
  public PanelManifest readNow() {
    PanelManifest read = read();
    PanelManifest previous = current;
    current = read;
    if (!read.sameAs(previous)) {
      log.info("panel manifest: {} {} tools {}", read.state(), read.tools().size(), read.message());
      listener.accept(read);
    }
    return read;
  }

  private void readAndReschedule() {
    Duration next;
    try {
      PanelManifest read = readNow();
      if (read.state() == io.nexusmesh.api.sidecar.v1.ManifestState.MANIFEST_STATE_WAITING) {
        next = backoff;
        backoff =
            backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0
                ? MAX_BACKOFF
                : backoff.multipliedBy(2);
      } else {
        backoff = FIRST_BACKOFF;
        next = REREAD;
      }
    } catch (RuntimeException e) {
      log.warn("reading the panel manifest failed", e);
      next = MAX_BACKOFF;
    }
    if (!timer.isShutdown()) {
      timer.schedule(this::readAndReschedule, next.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  private PanelManifest read() {
    AggregatedHttpResponse response;
    try {
      response =
          app.client()
              .prepare()
              .get("/manifest")
              .responseTimeout(Duration.ofSeconds(5))
              .maxResponseLength(ManifestLimits.MAX_MANIFEST_BYTES)
              .execute()
              .aggregate()
              .join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof ContentTooLargeException) {
        return PanelManifest.invalid(
            "the manifest is larger than the limit of "
                + ManifestLimits.MAX_MANIFEST_BYTES
                + " bytes");
      }
      return PanelManifest.waiting("the panel does not answer GET /manifest yet");
    }
    if (!response.status().equals(HttpStatus.OK)) {
      return PanelManifest.invalid("GET /manifest answered " + response.status());
    }
    return ManifestParser.parse(response.content().array());
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
