package io.nexusmesh.controlplane.panel.k8s;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a panel is on the cluster, by a pure function of {@link DesiredPanel}: the same input gives
 * the same manifests, so applying them again changes nothing. A studio panel is a service account,
 * a Role that may mark and delete only the panel's own pod (its sidecar's idle watchdog), its
 * binding, a PVC mounted at {@code /home} (kept when the panel stops), the pod while it runs, a
 * Service and the NetworkPolicy; an app panel is a service account, a Knative Service scaling to
 * zero after 60 idle seconds while it is started, and the NetworkPolicy. The credential Secret is
 * written by the panel manager, which issues the credential.
 */
public final class PanelManifests {
  /** Knative Serving's API version. */
  public static final String KNATIVE_API = "serving.knative.dev/v1";

  private static final KubernetesSerialization JSON = new KubernetesSerialization();

  private PanelManifests() {}

  /** Every manifest of {@code panel}, in the order they may be applied. */
  public static List<HasMetadata> of(DesiredPanel panel) {
    List<HasMetadata> all = new ArrayList<>();
    String name = PanelNames.base(panel.org(), panel.name());
    all.add(
        new ServiceAccountBuilder()
            .withMetadata(meta(panel, name))
            .withAutomountServiceAccountToken(false)
            .build());
    all.add(PanelFence.of(panel));
    if (panel.studio()) {
      all.add(
          new RoleBuilder()
              .withMetadata(meta(panel, name))
              .addNewRule()
              .withApiGroups("")
              .withResources("pods")
              .withResourceNames(name)
              .withVerbs("get", "patch", "delete")
              .endRule()
              .build());
      all.add(
          new RoleBindingBuilder()
              .withMetadata(meta(panel, name))
              .withNewRoleRef()
              .withApiGroup("rbac.authorization.k8s.io")
              .withKind("Role")
              .withName(name)
              .endRoleRef()
              .addNewSubject()
              .withKind("ServiceAccount")
              .withName(name)
              .withNamespace(panel.cluster().namespace())
              .endSubject()
              .build());
      all.add(
          new PersistentVolumeClaimBuilder()
              .withMetadata(meta(panel, name + "-home"))
              .withNewSpec()
              .withAccessModes("ReadWriteOnce")
              .withNewResources()
              .addToRequests("storage", new Quantity(panel.cluster().homeSize()))
              .endResources()
              .endSpec()
              .build());
      all.add(
          new ServiceBuilder()
              .withMetadata(meta(panel, name))
              .withNewSpec()
              .withSelector(PanelNames.podLabels(panel))
              .addNewPort()
              .withName("http")
              .withPort(PanelPods.APP_PORT)
              .withNewTargetPort(PanelPods.APP_PORT)
              .endPort()
              .addNewPort()
              .withName("mesh")
              .withPort(PanelPods.SIDECAR_PORT)
              .withNewTargetPort(PanelPods.SIDECAR_PORT)
              .withAppProtocol("kubernetes.io/h2c")
              .endPort()
              .endSpec()
              .build());
      if (panel.running()) {
        all.add(
            new PodBuilder()
                .withMetadata(
                    new ObjectMetaBuilder(meta(panel, name))
                        .withLabels(PanelNames.podLabels(panel))
                        .build())
                .withSpec(
                    PanelPods.spec(
                        panel,
                        new VolumeBuilder()
                            .withName("home")
                            .withNewPersistentVolumeClaim()
                            .withClaimName(name + "-home")
                            .endPersistentVolumeClaim()
                            .build()))
                .build());
      }
    } else if (panel.running()) {
      all.add(knativeService(panel, name));
    }
    return List.copyOf(all);
  }

  private static GenericKubernetesResource knativeService(DesiredPanel panel, String name) {
    PodSpec pod =
        PanelPods.spec(
            panel,
            new VolumeBuilder()
                .withName("home")
                .withNewEmptyDir()
                .withSizeLimit(new Quantity("512Mi"))
                .endEmptyDir()
                .build());
    Map<String, Object> template = new LinkedHashMap<>();
    template.put(
        "metadata",
        Map.of(
            "labels",
            PanelNames.podLabels(panel),
            "annotations",
            Map.of(
                "autoscaling.knative.dev/class", "kpa.autoscaling.knative.dev",
                "autoscaling.knative.dev/min-scale", "0",
                "autoscaling.knative.dev/window", "60s")));
    template.put("spec", JSON.convertValue(pod, Map.class));
    return new GenericKubernetesResourceBuilder()
        .withApiVersion(KNATIVE_API)
        .withKind("Service")
        .withMetadata(meta(panel, name))
        .withAdditionalProperties(Map.of("spec", Map.of("template", template)))
        .build();
  }

  private static ObjectMeta meta(DesiredPanel panel, String name) {
    return new ObjectMetaBuilder()
        .withName(name)
        .withNamespace(panel.cluster().namespace())
        .withLabels(PanelNames.labels(panel))
        .build();
  }
}
