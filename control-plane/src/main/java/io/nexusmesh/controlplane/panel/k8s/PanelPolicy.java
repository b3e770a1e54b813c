package io.nexusmesh.controlplane.panel.k8s;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyEgressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The rules every panel manifest must keep, checked on what is written (by the panel manager before
 * it applies, and by tests on every manifest and every file under {@code k8s/}): a panel pod runs
 * under gVisor with no API token mounted; its user container runs as non-root on a read-only root
 * filesystem with no capability, no escalation, the default seccomp profile, resource limits, no
 * secret and writable {@code /home} and {@code /tmp} only; a NetworkPolicy selects it, and no
 * policy lets egress reach private ranges or the metadata address.
 */
public final class PanelPolicy {
  private static final KubernetesSerialization JSON = new KubernetesSerialization();
  private static final Set<String> WRITABLE = Set.of("/home", "/tmp");

  private PanelPolicy() {}

  /** What {@code manifests} break, one sentence each naming the resource; empty when none. */
  public static List<String> violations(List<? extends HasMetadata> manifests) {
    List<String> problems = new ArrayList<>();
    List<NetworkPolicy> policies = new ArrayList<>();
    for (HasMetadata m : manifests) {
      if (m instanceof NetworkPolicy policy) {
        policies.add(policy);
        fence(policy, problems);
      }
    }
    for (HasMetadata m : manifests) {
      podOf(m)
          .ifPresent(
              pod -> {
                String where = m.getKind() + " " + m.getMetadata().getName();
                pod(where, pod.spec(), problems);
                if (policies.stream().noneMatch(p -> selects(p, pod.labels()))) {
                  problems.add(where + ": no NetworkPolicy selects its pods");
                }
              });
    }
    return List.copyOf(problems);
  }

  private record PanelPod(PodSpec spec, Map<String, String> labels) {}

  @SuppressWarnings("unchecked")
  private static Optional<PanelPod> podOf(HasMetadata m) {
    if (m instanceof Pod pod && isPanel(pod.getMetadata().getLabels())) {
      return Optional.of(new PanelPod(pod.getSpec(), pod.getMetadata().getLabels()));
    }
    if (m instanceof GenericKubernetesResource resource
        && PanelManifests.KNATIVE_API.equals(resource.getApiVersion())
        && "Service".equals(resource.getKind())) {
      Map<String, Object> spec =
          (Map<String, Object>) resource.getAdditionalProperties().get("spec");
      Map<String, Object> template =
          spec == null ? Map.of() : (Map<String, Object>) spec.getOrDefault("template", Map.of());
      Map<String, Object> meta = (Map<String, Object>) template.getOrDefault("metadata", Map.of());
      Map<String, String> labels = (Map<String, String>) meta.getOrDefault("labels", Map.of());
      PodSpec podSpec = JSON.convertValue(template.getOrDefault("spec", Map.of()), PodSpec.class);
      return Optional.of(new PanelPod(podSpec, labels));
    }
    return Optional.empty();
  }

  private static boolean isPanel(Map<String, String> labels) {
    return labels != null && "true".equals(labels.get(PanelNames.PANEL_POD));
  }

  private static void pod(String where, PodSpec spec, List<String> problems) {
    if (!PanelPods.RUNTIME_CLASS.equals(spec.getRuntimeClassName())) {
      problems.add(where + ": runtimeClassName is not " + PanelPods.RUNTIME_CLASS);
    }
    if (!Boolean.FALSE.equals(spec.getAutomountServiceAccountToken())) {
      problems.add(where + ": automountServiceAccountToken is not false");
    }
    if (Boolean.TRUE.equals(spec.getHostNetwork())
        || Boolean.TRUE.equals(spec.getHostPID())
        || Boolean.TRUE.equals(spec.getHostIPC())) {
      problems.add(where + ": shares a host namespace");
    }
    List<Container> all = new ArrayList<>(spec.getContainers());
    all.addAll(spec.getInitContainers());
    for (Container c : all) {
      SecurityContext sc = c.getSecurityContext();
      if (sc == null || !Boolean.FALSE.equals(sc.getAllowPrivilegeEscalation())) {
        problems.add(where + ": container " + c.getName() + " may escalate privileges");
      }
      if (sc != null && Boolean.TRUE.equals(sc.getPrivileged())) {
        problems.add(where + ": container " + c.getName() + " is privileged");
      }
    }
    Optional<Container> user =
        spec.getContainers().stream()
            .filter(c -> PanelPods.USER_CONTAINER.equals(c.getName()))
            .findFirst();
    if (user.isEmpty()) {
      problems.add(where + ": no user container named " + PanelPods.USER_CONTAINER);
      return;
    }
    userContainer(where, spec, user.get(), problems);
  }

  private static void userContainer(
      String where, PodSpec spec, Container user, List<String> problems) {
    String it = where + ": the user container";
    SecurityContext sc =
        Objects.requireNonNullElse(user.getSecurityContext(), new SecurityContext());
    PodSecurityContext psc =
        Objects.requireNonNullElse(spec.getSecurityContext(), new PodSecurityContext());
    if (!Boolean.TRUE.equals(sc.getRunAsNonRoot()) && !Boolean.TRUE.equals(psc.getRunAsNonRoot())) {
      problems.add(it + " may run as root");
    }
    if (!Boolean.TRUE.equals(sc.getReadOnlyRootFilesystem())) {
      problems.add(it + " has a writable root filesystem");
    }
    if (sc.getCapabilities() == null
        || !sc.getCapabilities().getDrop().contains("ALL")
        || !sc.getCapabilities().getAdd().isEmpty()) {
      problems.add(it + " keeps capabilities (expected: drop ALL, add none)");
    }
    String seccomp =
        sc.getSeccompProfile() != null
            ? sc.getSeccompProfile().getType()
            : psc.getSeccompProfile() != null ? psc.getSeccompProfile().getType() : null;
    if (!"RuntimeDefault".equals(seccomp)) {
      problems.add(it + " has no RuntimeDefault seccomp profile");
    }
    if (user.getResources() == null
        || !user.getResources().getLimits().containsKey("cpu")
        || !user.getResources().getLimits().containsKey("memory")) {
      problems.add(it + " has no cpu and memory limits");
    }
    if (!user.getEnvFrom().isEmpty()
        || user.getEnv().stream()
            .anyMatch(
                e -> e.getValueFrom() != null && e.getValueFrom().getSecretKeyRef() != null)) {
      problems.add(it + " reads a Secret");
    }
    for (VolumeMount mount : user.getVolumeMounts()) {
      Volume volume =
          spec.getVolumes().stream()
              .filter(v -> v.getName().equals(mount.getName()))
              .findFirst()
              .orElse(new Volume());
      if (volume.getSecret() != null || volume.getProjected() != null) {
        problems.add(it + " mounts a credential volume at " + mount.getMountPath());
      }
      if (!Boolean.TRUE.equals(mount.getReadOnly()) && !WRITABLE.contains(mount.getMountPath())) {
        problems.add(it + " may write to " + mount.getMountPath() + " (only /home and /tmp)");
      }
    }
  }

  private static void fence(NetworkPolicy policy, List<String> problems) {
    String where = "NetworkPolicy " + policy.getMetadata().getName();
    List<String> types = policy.getSpec().getPolicyTypes();
    if (!types.contains("Egress") || !types.contains("Ingress")) {
      problems.add(where + ": does not restrict both ingress and egress");
    }
    for (NetworkPolicyEgressRule rule : policy.getSpec().getEgress()) {
      if (rule.getTo().isEmpty()) {
        problems.add(where + ": an egress rule allows every destination");
      }
      for (NetworkPolicyPeer to : rule.getTo()) {
        if (to.getIpBlock() != null
            && !to.getIpBlock().getExcept().containsAll(PanelFence.DENIED)) {
          problems.add(
              where
                  + ": egress to "
                  + to.getIpBlock().getCidr()
                  + " does not except "
                  + PanelFence.DENIED);
        }
      }
    }
  }

  private static boolean selects(NetworkPolicy policy, Map<String, String> labels) {
    var selector = policy.getSpec().getPodSelector();
    return selector != null
        && selector.getMatchExpressions().isEmpty()
        && labels.entrySet().containsAll(selector.getMatchLabels().entrySet());
  }
}
