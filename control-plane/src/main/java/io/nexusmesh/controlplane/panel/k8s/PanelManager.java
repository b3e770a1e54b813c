package io.nexusmesh.controlplane.panel.k8s;

import static java.util.Objects.requireNonNull;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfigBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import io.nexusmesh.controlplane.panel.PanelChanges;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the {@link PanelReconciler} on exactly one control-plane replica: the one holding the {@code
 * nexus-panel-manager} Lease (Fabric8's leader election). The leader makes a fresh reconciler each
 * time it is elected and closes it when it loses the Lease; the others only pass record changes on
 * while they lead, which they do not (the leader's resync and informers see every change within one
 * period, and its own changes at once).
 */
public final class PanelManager implements PanelChanges, AutoCloseable {
  /** The Lease's name. */
  public static final String LEASE = "nexus-panel-manager";

  private static final Logger log = LoggerFactory.getLogger(PanelManager.class);

  private final KubernetesClient client;
  private final String namespace;
  private final String identity;
  private final Supplier<PanelReconciler> reconcilers;
  private final PanelChangeSignals signals;
  private final ExecutorService executor =
      Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("panel-manager-", 0).factory());
  private volatile PanelReconciler leading;
  private volatile CompletableFuture<?> election;
  private volatile boolean closed;

  /**
   * A manager electing through a Lease in {@code namespace} as {@code identity} (the pod's name),
   * making reconcilers with {@code reconcilers}, signalling the leader with {@code signals} while
   * another replica leads.
   */
  public PanelManager(
      KubernetesClient client,
      String namespace,
      String identity,
      PanelChangeSignals signals,
      Supplier<PanelReconciler> reconcilers) {
    this.client = requireNonNull(client, "client");
    this.namespace = requireNonNull(namespace, "namespace");
    this.identity = requireNonNull(identity, "identity");
    this.reconcilers = requireNonNull(reconcilers, "reconcilers");
    this.signals = requireNonNull(signals, "signals");
  }

  /** Joins the election (and again each time a term ends, until closed). */
  public PanelManager start() {
    var config =
        new LeaderElectionConfigBuilder()
            .withName(LEASE)
            .withLock(new LeaseLock(namespace, LEASE, identity))
            .withLeaseDuration(Duration.ofSeconds(15))
            .withRenewDeadline(Duration.ofSeconds(10))
            .withRetryPeriod(Duration.ofSeconds(2))
            .withReleaseOnCancel(true)
            .withLeaderCallbacks(
                new LeaderCallbacks(this::lead, this::stopLeading, this::newLeader))
            .build();
    election = client.leaderElector().withConfig(config).build().start();
    election.whenComplete(
        (done, error) -> {
          if (!closed) {
            log.info(
                "panel manager election ended ({}); joining again",
                error == null ? "term over" : error.getMessage());
            executor.execute(this::start);
          }
        });
    return this;
  }

  /** Whether this replica reconciles panels now. */
  public boolean leads() {
    return leading != null;
  }

  /** The reconciler while this replica leads. */
  public java.util.Optional<PanelReconciler> reconciler() {
    return java.util.Optional.ofNullable(leading);
  }

  @Override
  public void changed(String org, String name) {
    PanelReconciler current = leading;
    if (current != null) {
      current.changed(org, name);
      return;
    }
    try {
      signals.signal(org, name);
    } catch (RuntimeException e) {
      log.warn(
          "could not signal the panel manager's leader that {}/{} changed; its resync will see it",
          org,
          name,
          e);
    }
  }

  private void lead() {
    log.info("{} leads the panel manager: reconciling panels", identity);
    leading = reconcilers.get().start();
  }

  private void stopLeading() {
    PanelReconciler current = leading;
    leading = null;
    if (current != null) {
      log.info("{} no longer leads the panel manager", identity);
      current.close();
    }
  }

  private void newLeader(String leader) {
    if (!identity.equals(leader)) {
      log.info("the panel manager's leader is {}", leader);
    }
  }

  @Override
  public void close() {
    closed = true;
    CompletableFuture<?> running = election;
    if (running != null) {
      running.cancel(true);
    }
    stopLeading();
    executor.shutdownNow();
  }
}
