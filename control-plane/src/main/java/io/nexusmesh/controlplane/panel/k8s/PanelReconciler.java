package io.nexusmesh.controlplane.panel.k8s;

import static java.util.Objects.requireNonNull;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.nexusmesh.api.controlplane.v1.Panel;
import io.nexusmesh.api.controlplane.v1.PanelStatus;
import io.nexusmesh.controlplane.panel.PanelChanges;
import io.nexusmesh.controlplane.store.PanelStore;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The panel manager's control loop: one informer per {@link ManagedKind} (only what carries its
 * managed-by label) and every change to a panel record put a panel on the {@link WorkQueue}; one
 * worker turns each panel's record into manifests ({@link PanelManifests}), applies them ({@link
 * PanelApplier}) and writes the status it then sees back to the record. Nothing polls: a periodic
 * resync re-queues every panel only to heal what an event missed. A new reconciler (a control plane
 * restarted, or another replica elected) finds what the last one made by name and label and changes
 * nothing that is right; objects of a panel deleted meanwhile are deleted.
 */
public final class PanelReconciler implements PanelChanges, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(PanelReconciler.class);
  private static final KubernetesSerialization JSON = new KubernetesSerialization();
  private static final String BY_PANEL = "panel";
  private static final Duration SYNC_TIMEOUT = Duration.ofSeconds(30);
  private static final String KNATIVE_MISSING =
      "Knative Serving (serving.knative.dev/v1 Service) is not installed on this cluster:"
          + " app panels cannot run";

  private final KubernetesClient client;
  private PanelCluster cluster;
  private final PanelStore store;
  private final CredentialSecrets secrets;
  private final Clock clock;
  private final Duration resync;
  private final PanelApplier applier;
  private final WorkQueue<PanelKey> queue;
  private final Map<ManagedKind, SharedIndexInformer<GenericKubernetesResource>> informers =
      new LinkedHashMap<>();
  private final AtomicLong passes = new AtomicLong();
  private SharedIndexInformer<io.fabric8.kubernetes.api.model.ConfigMap> signals;

  public PanelReconciler(
      KubernetesClient client,
      PanelCluster cluster,
      PanelStore store,
      CredentialSecrets secrets,
      Clock clock,
      Duration resync) {
    this.client = requireNonNull(client, "client");
    this.cluster = requireNonNull(cluster, "cluster");
    this.store = requireNonNull(store, "store");
    this.secrets = requireNonNull(secrets, "secrets");
    this.clock = requireNonNull(clock, "clock");
    this.resync = requireNonNull(resync, "resync");
    this.applier = new PanelApplier(client);
    this.queue = new WorkQueue<>("panel-reconciler", this::reconcile);
  }

  /** A panel, by organisation and name. */
  public record PanelKey(String org, String name) {}

  /** Starts the informers, queues every panel and starts the worker. */
  public PanelReconciler start() {
    cluster = cluster.withNativeSidecars(nativeSidecars());
    for (ManagedKind kind : ManagedKind.ALL) {
      if (kind.equals(ManagedKind.KNATIVE_SERVICE) && !served(kind)) {
        log.warn(KNATIVE_MISSING);
        continue;
      }
      SharedIndexInformer<GenericKubernetesResource> informer =
          client
              .genericKubernetesResources(kind.context())
              .inNamespace(cluster.namespace())
              .withLabel(PanelNames.MANAGED_BY, PanelNames.MANAGER)
              .runnableInformer(resync.toMillis());
      informer.addIndexers(Map.of(BY_PANEL, PanelReconciler::panelIndex));
      informer.addEventHandler(new Events(kind));
      try {
        informer.start().toCompletableFuture().get(SYNC_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        informers.put(kind, informer);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while starting the " + kind + " informer", e);
      } catch (java.util.concurrent.ExecutionException | TimeoutException | CompletionException e) {
        informer.close();
        if (!kind.equals(ManagedKind.KNATIVE_SERVICE)) {
          throw new IllegalStateException("cannot watch " + kind + ": " + e.getMessage(), e);
        }
        log.warn(KNATIVE_MISSING + " ({})", e.getMessage());
      }
    }
    signals =
        client
            .configMaps()
            .inNamespace(cluster.namespace())
            .withName(PanelChangeSignals.CONFIG_MAP)
            .inform(new Signals(), resync.toMillis());
    queueEverything();
    queue.start();
    queue.every(
        resync,
        () -> {
          queueEverything();
          new PanelChangeSignals(client, cluster.namespace(), clock)
              .prune(clock.instant().minus(resync));
        });
    return this;
  }

  /** Whether the cluster runs native sidecars (Kubernetes 1.29 on); yes when it will not say. */
  private boolean nativeSidecars() {
    try {
      var version = client.getKubernetesVersion();
      return version == null || nativeSidecars(version.getMajor(), version.getMinor());
    } catch (KubernetesClientException e) {
      log.debug("the API server did not say its version; assuming native sidecars", e);
      return true;
    }
  }

  /** Whether Kubernetes {@code major.minor} (minor as it says it, e.g. {@code 29+}) has them. */
  static boolean nativeSidecars(String major, String minor) {
    try {
      int ma = Integer.parseInt(major.replaceAll("\\D", ""));
      int mi = Integer.parseInt(minor.replaceAll("\\D", ""));
      return ma > 1 || ma == 1 && mi >= 29;
    } catch (NumberFormatException | NullPointerException e) {
      return true;
    }
  }

  /** Whether the API server serves {@code kind} (its discovery document lists it). */
  private boolean served(ManagedKind kind) {
    var resources = client.getApiResources(kind.apiVersion());
    return resources != null
        && resources.getResources().stream()
            .anyMatch(r -> kind.context().getPlural().equals(r.getName()));
  }

  @Override
  public void changed(String org, String name) {
    queue.add(new PanelKey(org, name));
  }

  /** Whether nothing waits and nothing is being reconciled. */
  public boolean quiet() {
    return queue.quiet();
  }

  /** How many reconciliations have ended, with or without an error. */
  public long passes() {
    return passes.get();
  }

  /** Queues every panel with an image, and every panel the caches hold objects of. */
  private void queueEverything() {
    String org = "";
    String name = "";
    while (true) {
      List<PanelStore.Row> page = store.withImage(org, name, 500);
      page.forEach(row -> queue.add(new PanelKey(row.org(), row.panel().getName())));
      if (page.size() < 500) {
        break;
      }
      org = page.getLast().org();
      name = page.getLast().panel().getName();
    }
    informers.values().stream()
        .flatMap(i -> i.getStore().list().stream())
        .map(PanelReconciler::keyOf)
        .flatMap(Optional::stream)
        .forEach(queue::add);
  }

  private void reconcile(PanelKey key) {
    try {
      reconcileOnce(key);
    } finally {
      passes.incrementAndGet();
    }
  }

  private void reconcileOnce(PanelKey key) {
    List<GenericKubernetesResource> live = liveOf(key);
    Optional<PanelStore.Row> row = store.find(key.org(), key.name());
    if (row.isEmpty() || row.get().panel().getImage().isEmpty()) {
      if (!live.isEmpty()) {
        log.info(
            "panel {}/{} is gone: deleting the {} objects it made",
            key.org(),
            key.name(),
            live.size());
        applier.deleteAll(cluster.namespace(), live);
      }
      return;
    }
    Panel panel = row.get().panel();
    DesiredPanel desired =
        new DesiredPanel(
            key.org(), key.name(), panel.getMode(), panel.getImage(), panel.getStarted(), cluster);
    boolean knative = informers.containsKey(ManagedKind.KNATIVE_SERVICE);
    List<HasMetadata> manifests = new ArrayList<>();
    for (HasMetadata manifest : PanelManifests.of(desired)) {
      if (knative || !PanelManifests.KNATIVE_API.equals(manifest.getApiVersion())) {
        manifests.add(manifest);
      }
    }
    if (desired.running()) {
      manifests.add(
          secrets.desired(
              desired,
              cached(live, PanelPods.credentialSecret(desired), "Secret"),
              clock.instant()));
    }
    List<String> violations = PanelPolicy.violations(manifests);
    if (!violations.isEmpty()) {
      store.writeStatus(
          key.org(),
          key.name(),
          PanelStatuses.failed("refused to apply: " + String.join("; ", violations)),
          clock.instant());
      return;
    }
    PanelStatus status;
    try {
      applier.apply(cluster.namespace(), manifests, live);
      String base = PanelNames.base(key.org(), key.name());
      if (desired.studio()) {
        status = PanelStatuses.studio(desired.running(), cachedPod(base));
      } else if (!knative && desired.running()) {
        status = PanelStatuses.failed(KNATIVE_MISSING);
      } else {
        status = PanelStatuses.app(desired.running(), cachedKnative(base));
      }
    } catch (KubernetesClientException e) {
      String why =
          e.getStatus() != null && e.getStatus().getMessage() != null
              ? e.getStatus().getMessage()
              : e.getMessage();
      store.writeStatus(
          key.org(),
          key.name(),
          PanelStatuses.failed("the Kubernetes API refused a write: " + why),
          clock.instant());
      throw e;
    }
    if (store.writeStatus(key.org(), key.name(), status, clock.instant())) {
      log.info("panel {}/{} is {}", key.org(), key.name(), status.getPhase());
    }
  }

  /** What the caches hold of the panel, across kinds. */
  private List<GenericKubernetesResource> liveOf(PanelKey key) {
    List<GenericKubernetesResource> live = new ArrayList<>();
    for (var informer : informers.entrySet()) {
      for (GenericKubernetesResource object :
          informer.getValue().getIndexer().byIndex(BY_PANEL, key.org() + "/" + key.name())) {
        // Fabric8's mock API server lists Knative Services with the core ones (same plural).
        if (informer.getKey().matches(object)) {
          live.add(object);
        }
      }
    }
    return live;
  }

  /** The cache index of what a panel made: {@code <org>/<name>} from its labels. */
  private static List<String> panelIndex(GenericKubernetesResource object) {
    return keyOf(object).map(k -> List.of(k.org() + "/" + k.name())).orElse(List.of());
  }

  private static Optional<GenericKubernetesResource> cached(
      List<GenericKubernetesResource> live, String name, String kind) {
    return live.stream()
        .filter(o -> kind.equals(o.getKind()) && name.equals(o.getMetadata().getName()))
        .findFirst();
  }

  private Optional<Pod> cachedPod(String name) {
    return Optional.ofNullable(
            informers.get(ManagedKind.POD).getStore().getByKey(cluster.namespace() + "/" + name))
        .map(p -> JSON.convertValue(p, Pod.class));
  }

  private Optional<GenericKubernetesResource> cachedKnative(String name) {
    return Optional.ofNullable(
        informers
            .get(ManagedKind.KNATIVE_SERVICE)
            .getStore()
            .getByKey(cluster.namespace() + "/" + name));
  }

  private static Optional<PanelKey> keyOf(HasMetadata object) {
    Map<String, String> labels = object.getMetadata().getLabels();
    if (labels == null
        || labels.get(PanelNames.ORG) == null
        || labels.get(PanelNames.PANEL) == null) {
      return Optional.empty();
    }
    return Optional.of(new PanelKey(labels.get(PanelNames.ORG), labels.get(PanelNames.PANEL)));
  }

  /** Queues the panel of each object that changes; records a studio pod's idle stop first. */
  private final class Events implements ResourceEventHandler<GenericKubernetesResource> {
    private final ManagedKind kind;

    Events(ManagedKind kind) {
      this.kind = kind;
    }

    @Override
    public void onAdd(GenericKubernetesResource object) {
      keyOf(object).ifPresent(queue::add);
    }

    @Override
    public void onUpdate(GenericKubernetesResource before, GenericKubernetesResource after) {
      keyOf(after).ifPresent(queue::add);
    }

    @Override
    public void onDelete(GenericKubernetesResource object, boolean finalStateUnknown) {
      Optional<PanelKey> key = keyOf(object);
      if (key.isEmpty()) {
        return;
      }
      Map<String, String> annotations = object.getMetadata().getAnnotations();
      if (kind.equals(ManagedKind.POD)
          && annotations != null
          && "idle".equals(annotations.get(PanelPods.STOP_REASON))
          && object
              .getMetadata()
              .getName()
              .equals(PanelNames.base(key.get().org(), key.get().name()))) {
        log.info(
            "panel {}/{} was idle: its watchdog deleted its pod; it stays stopped",
            key.get().org(),
            key.get().name());
        store.setStarted(key.get().org(), key.get().name(), false);
      }
      queue.add(key.get());
    }
  }

  /** Queues the panels other replicas signalled ({@link PanelChangeSignals}). */
  private final class Signals
      implements ResourceEventHandler<io.fabric8.kubernetes.api.model.ConfigMap> {
    @Override
    public void onAdd(io.fabric8.kubernetes.api.model.ConfigMap configMap) {
      PanelChangeSignals.changed(null, configMap).forEach(queue::add);
    }

    @Override
    public void onUpdate(
        io.fabric8.kubernetes.api.model.ConfigMap before,
        io.fabric8.kubernetes.api.model.ConfigMap after) {
      PanelChangeSignals.changed(before, after).forEach(queue::add);
    }

    @Override
    public void onDelete(io.fabric8.kubernetes.api.model.ConfigMap configMap, boolean unknown) {}
  }

  @Override
  public void close() {
    if (signals != null) {
      signals.close();
    }
    queue.close();
    informers.values().forEach(SharedIndexInformer::close);
    informers.clear();
  }
}
