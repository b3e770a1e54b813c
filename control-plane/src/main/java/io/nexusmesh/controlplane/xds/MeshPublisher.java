package io.nexusmesh.controlplane.xds;

import static java.util.Objects.requireNonNull;

import io.envoyproxy.controlplane.cache.v3.SimpleCache;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the xDS cache in step with the {@link MeshState}: a change schedules a rebuild after {@code
 * quiet} without further changes, but never later than {@code maxDelay} after the first (a burst of
 * panel restarts is one push, a steady trickle still gets through); a resync every {@code resync}
 * catches what no signal reported (gateways going silent, changes made through another control
 * plane replica). Every organisation's two views are rebuilt each time; the cache sends a client
 * only the resource types whose digest changed.
 */
public final class MeshPublisher implements MeshChanges, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(MeshPublisher.class);

  private final Supplier<MeshState> source;
  private final SimpleCache<String> cache;
  private final MeshSnapshots.Edge edge;
  private final Duration quiet;
  private final Duration maxDelay;
  private final ScheduledExecutorService scheduler;
  private final Object lock = new Object();
  private volatile MeshState current = MeshState.empty();
  private @Nullable ScheduledFuture<?> pending;
  private long firstChangeNanos;

  public MeshPublisher(
      Supplier<MeshState> source,
      SimpleCache<String> cache,
      MeshSnapshots.Edge edge,
      Duration quiet,
      Duration maxDelay,
      Duration resync) {
    this.source = requireNonNull(source, "source");
    this.cache = requireNonNull(cache, "cache");
    this.edge = requireNonNull(edge, "edge");
    this.quiet = requireNonNull(quiet, "quiet");
    this.maxDelay = requireNonNull(maxDelay, "maxDelay");
    this.scheduler =
        Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("nexus-xds-publisher").daemon().factory());
    scheduler.scheduleWithFixedDelay(
        this::publishQuietly, resync.toMillis(), resync.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public void changed() {
    synchronized (lock) {
      long now = System.nanoTime();
      if (pending == null) {
        firstChangeNanos = now;
      } else {
        pending.cancel(false);
      }
      long deadline = firstChangeNanos + maxDelay.toNanos();
      long delay = Math.max(0, Math.min(quiet.toNanos(), deadline - now));
      pending = scheduler.schedule(this::publishScheduled, delay, TimeUnit.NANOSECONDS);
    }
  }

  private void publishScheduled() {
    synchronized (lock) {
      pending = null;
    }
    publishQuietly();
  }

  private void publishQuietly() {
    try {
      publishNow();
    } catch (RuntimeException e) {
      log.error("the xDS snapshot could not be rebuilt; clients keep the last one", e);
    }
  }

  /** Reads the state and rebuilds every view now (start-up, tests). */
  public void publishNow() {
    MeshState state = source.get();
    long started = System.nanoTime();
    synchronized (cache) {
      current = state;
      Set<String> groups = new HashSet<>(cache.groups());
      for (String org : state.orgs().keySet()) {
        for (MeshSnapshots.View view : MeshSnapshots.View.values()) {
          groups.add(SubscriberViews.group(view, org));
        }
      }
      for (String group : groups) {
        publish(group, state);
      }
    }
    log.debug(
        "xDS snapshots of {} organisations rebuilt in {} ms",
        state.orgs().size(),
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
  }

  /** Makes sure {@code group} has a snapshot before a client of it watches (an org's first one). */
  void ensure(String group) {
    if (cache.getSnapshot(group) == null) {
      synchronized (cache) {
        if (cache.getSnapshot(group) == null) {
          publish(group, current);
        }
      }
    }
  }

  private void publish(String group, MeshState state) {
    int colon = group.indexOf(':');
    MeshSnapshots.View view = MeshSnapshots.View.valueOf(group.substring(0, colon));
    String org = group.substring(colon + 1);
    cache.setSnapshot(group, MeshSnapshots.build(state.orgs().get(org), view, edge));
  }

  @Override
  public void close() {
    scheduler.shutdownNow();
  }
}
