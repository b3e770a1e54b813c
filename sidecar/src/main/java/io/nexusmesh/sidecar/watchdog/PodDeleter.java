package io.nexusmesh.sidecar.watchdog;

import static java.util.Objects.requireNonNull;

import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The idle action in a pod: delete the pod itself through the Kubernetes API (Fabric8, in-cluster
 * configuration: the pod's service account). The pod's name and namespace come from the downward
 * API ({@code POD_NAME}, {@code POD_NAMESPACE}); its PVC (studio files) outlives it. The pod is
 * first annotated {@value #STOP_REASON}{@code : idle} so the panel manager, seeing the deletion,
 * records the panel as stopped instead of making the pod again.
 */
public final class PodDeleter implements IdleWatchdog.IdleAction {
  /** The annotation telling the panel manager why the pod went (the control plane reads it). */
  public static final String STOP_REASON = "nexus.io/stop-reason";

  private static final Logger log = LoggerFactory.getLogger(PodDeleter.class);

  private final KubernetesClient client;
  private final String namespace;
  private final String pod;

  public PodDeleter(KubernetesClient client, String namespace, String pod) {
    this.client = requireNonNull(client, "client");
    this.namespace = requireNonNull(namespace, "namespace");
    this.pod = requireNonNull(pod, "pod");
  }

  /** The deleter of this pod, when the process runs in one (else empty: stop the panel). */
  public static Optional<PodDeleter> inCluster(Map<String, String> env) {
    String host = env.get("KUBERNETES_SERVICE_HOST");
    String name = env.get("POD_NAME");
    String namespace = env.get("POD_NAMESPACE");
    if (host == null
        || host.isBlank()
        || name == null
        || name.isBlank()
        || namespace == null
        || namespace.isBlank()) {
      return Optional.empty();
    }
    return Optional.of(new PodDeleter(new KubernetesClientBuilder().build(), namespace, name));
  }

  @Override
  public void stop() {
    log.info("deleting pod {}/{}: the studio panel was idle too long", namespace, pod);
    var self = client.pods().inNamespace(namespace).withName(pod);
    self.edit(
        p ->
            new PodBuilder(p)
                .editMetadata()
                .addToAnnotations(STOP_REASON, "idle")
                .endMetadata()
                .build());
    self.delete();
  }
}
