package io.nexusmesh.controlplane.panel.k8s;

import io.fabric8.kubernetes.api.model.Capabilities;
import io.fabric8.kubernetes.api.model.CapabilitiesBuilder;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The pod of a panel, the same for studio and app panels but for {@code /home}: under gVisor
 * ({@code runtimeClassName: gvisor}), no service-account token mounted, the untrusted user
 * container as a non-root user with a read-only root filesystem, no capability and no privilege
 * escalation, writing only to {@code /home} and {@code /tmp}; the trusted sidecar beside it (in a
 * studio pod a native sidecar, an init container with {@code restartPolicy: Always}; in an app
 * revision the container Knative routes to, fronting the user's server), the only container with
 * the panel's credential and, for studio panels, the only one with an API token (to delete its own
 * pod when idle).
 */
public final class PanelPods {
  /** The user container's name. */
  public static final String USER_CONTAINER = "panel";

  /** The sidecar's container name. */
  public static final String SIDECAR_CONTAINER = "nexus-sidecar";

  /** The RuntimeClass every panel pod runs under. */
  public static final String RUNTIME_CLASS = "gvisor";

  /** Where the user's server listens. */
  public static final int APP_PORT = 8080;

  /** Where the sidecar serves the mesh (SidecarService). */
  public static final int SIDECAR_PORT = 50051;

  /**
   * The annotation a studio pod's idle watchdog puts on its pod before deleting it ({@code idle}):
   * the sidecar's {@code PodDeleter} writes it, the panel manager reads it.
   */
  public static final String STOP_REASON = "nexus.io/stop-reason";

  /** The Secret key holding the panel's credential. */
  public static final String CREDENTIAL_KEY = "credential";

  /**
   * The Secret key holding the Redis URL sidecars use, password included (kept out of the pod spec,
   * which more people may read than Secrets).
   */
  public static final String REDIS_URL_KEY = "redis-url";

  private static final long USER_ID = 1000;

  private PanelPods() {}

  /** The Secret that holds the panel's credential (the sidecar's only). */
  public static String credentialSecret(DesiredPanel panel) {
    return PanelNames.base(panel.org(), panel.name()) + "-credential";
  }

  /** The pod spec of {@code panel}; {@code home} is its {@code /home} volume. */
  public static PodSpec spec(DesiredPanel panel, Volume home) {
    List<Volume> volumes = new ArrayList<>();
    volumes.add(home);
    volumes.add(
        new VolumeBuilder()
            .withName("tmp")
            .withNewEmptyDir()
            .withSizeLimit(new Quantity("256Mi"))
            .endEmptyDir()
            .build());
    volumes.add(
        new VolumeBuilder().withName("sidecar-tmp").withNewEmptyDir().endEmptyDir().build());
    PodSpecBuilder spec =
        new PodSpecBuilder()
            .withRuntimeClassName(RUNTIME_CLASS)
            .withAutomountServiceAccountToken(false)
            .withServiceAccountName(PanelNames.base(panel.org(), panel.name()))
            .withEnableServiceLinks(false)
            .withNewSecurityContext()
            .withRunAsNonRoot(true)
            .withRunAsUser(USER_ID)
            .withRunAsGroup(USER_ID)
            .withFsGroup(USER_ID)
            .withNewSeccompProfile()
            .withType("RuntimeDefault")
            .endSeccompProfile()
            .endSecurityContext()
            .withContainers(user(panel));
    if (panel.studio() && panel.cluster().nativeSidecars()) {
      spec.withInitContainers(sidecar(panel).toBuilder().withRestartPolicy("Always").build());
    } else {
      // Knative routes to the one container with a port: the sidecar fronts the user's server. A
      // studio pod on a cluster without native sidecars has it as an ordinary container too.
      spec.addToContainers(0, sidecar(panel));
    }
    if (panel.studio()) {
      // Only the sidecar mounts an API token: its watchdog deletes this pod, and nothing else.
      volumes.add(
          new VolumeBuilder()
              .withName("sidecar-api-token")
              .withNewProjected()
              .addNewSource()
              .withNewServiceAccountToken()
              .withPath("token")
              .withExpirationSeconds(3600L)
              .endServiceAccountToken()
              .endSource()
              .addNewSource()
              .withNewConfigMap()
              .withName("kube-root-ca.crt")
              .addNewItem()
              .withKey("ca.crt")
              .withPath("ca.crt")
              .endItem()
              .endConfigMap()
              .endSource()
              .addNewSource()
              .withNewDownwardAPI()
              .addNewItem()
              .withPath("namespace")
              .withNewFieldRef()
              .withFieldPath("metadata.namespace")
              .endFieldRef()
              .endItem()
              .endDownwardAPI()
              .endSource()
              .endProjected()
              .build());
    }
    return spec.withVolumes(volumes).build();
  }

  private static Container user(DesiredPanel panel) {
    return new ContainerBuilder()
        .withName(USER_CONTAINER)
        .withImage(panel.image())
        .withPorts(
            panel.studio()
                ? List.of(
                    new io.fabric8.kubernetes.api.model.ContainerPortBuilder()
                        .withName("http")
                        .withContainerPort(APP_PORT)
                        .build())
                : List.of())
        .withEnv(new EnvVarBuilder().withName("HOME").withValue("/home").build())
        .withSecurityContext(locked())
        .withResources(limits("1", "1Gi", "100m", "256Mi"))
        .addNewVolumeMount()
        .withName("home")
        .withMountPath("/home")
        .endVolumeMount()
        .addNewVolumeMount()
        .withName("tmp")
        .withMountPath("/tmp")
        .endVolumeMount()
        .withNewReadinessProbe()
        .withNewTcpSocket()
        .withNewPort(APP_PORT)
        .endTcpSocket()
        .withPeriodSeconds(5)
        .endReadinessProbe()
        .build();
  }

  private static Container sidecar(DesiredPanel panel) {
    List<EnvVar> env = new ArrayList<>();
    env.add(value("NEXUS_CONTROL_PLANE_URL", panel.cluster().controlPlaneUrl()));
    env.add(fromCredentialSecret(panel, "NEXUS_REDIS_URL", REDIS_URL_KEY));
    env.add(value("NEXUS_PANEL_NAME", panel.name()));
    env.add(value("NEXUS_PANEL_MODE", panel.studio() ? "studio" : "app"));
    env.add(value("NEXUS_SIDECAR_APP", "http://127.0.0.1:" + APP_PORT));
    env.add(value("NEXUS_SIDECAR_PORT", Integer.toString(SIDECAR_PORT)));
    env.add(
        new EnvVarBuilder()
            .withName("NEXUS_SIDECAR_ADVERTISE_HOST")
            .withNewValueFrom()
            .withNewFieldRef()
            .withFieldPath("status.podIP")
            .endFieldRef()
            .endValueFrom()
            .build());
    env.add(fromCredentialSecret(panel, "NEXUS_PANEL_CREDENTIAL", CREDENTIAL_KEY));
    for (Map.Entry<String, String> field :
        Map.of("POD_NAME", "metadata.name", "POD_NAMESPACE", "metadata.namespace").entrySet()) {
      env.add(
          new EnvVarBuilder()
              .withName(field.getKey())
              .withNewValueFrom()
              .withNewFieldRef()
              .withFieldPath(field.getValue())
              .endFieldRef()
              .endValueFrom()
              .build());
    }
    ContainerBuilder sidecar =
        new ContainerBuilder()
            .withName(SIDECAR_CONTAINER)
            .withImage(panel.cluster().sidecarImage())
            .withEnv(env)
            .addNewPort()
            .withName(panel.studio() ? "mesh" : "h2c")
            .withContainerPort(SIDECAR_PORT)
            .endPort()
            .withSecurityContext(locked())
            .withResources(limits("500m", "384Mi", "50m", "192Mi"))
            .addNewVolumeMount()
            .withName("sidecar-tmp")
            .withMountPath("/tmp")
            .endVolumeMount()
            .withNewReadinessProbe()
            .withNewTcpSocket()
            .withNewPort(SIDECAR_PORT)
            .endTcpSocket()
            .withPeriodSeconds(5)
            .endReadinessProbe();
    if (panel.studio()) {
      sidecar
          .addNewVolumeMount()
          .withName("sidecar-api-token")
          .withMountPath("/var/run/secrets/kubernetes.io/serviceaccount")
          .withReadOnly(true)
          .endVolumeMount();
    }
    return sidecar.build();
  }

  /** Non-root, read-only root filesystem, no capability, no escalation, the default seccomp. */
  static SecurityContext locked() {
    Capabilities none = new CapabilitiesBuilder().withDrop("ALL").build();
    return new SecurityContextBuilder()
        .withRunAsNonRoot(true)
        .withReadOnlyRootFilesystem(true)
        .withAllowPrivilegeEscalation(false)
        .withPrivileged(false)
        .withCapabilities(none)
        .withNewSeccompProfile()
        .withType("RuntimeDefault")
        .endSeccompProfile()
        .build();
  }

  private static ResourceRequirements limits(
      String cpu, String memory, String cpuRequest, String memoryRequest) {
    return new ResourceRequirementsBuilder()
        .addToLimits("cpu", new Quantity(cpu))
        .addToLimits("memory", new Quantity(memory))
        .addToRequests("cpu", new Quantity(cpuRequest))
        .addToRequests("memory", new Quantity(memoryRequest))
        .build();
  }

  /** An environment variable from the panel's credential Secret (the sidecar's only). */
  private static EnvVar fromCredentialSecret(DesiredPanel panel, String name, String key) {
    return new EnvVarBuilder()
        .withName(name)
        .withNewValueFrom()
        .withNewSecretKeyRef()
        .withName(credentialSecret(panel))
        .withKey(key)
        .endSecretKeyRef()
        .endValueFrom()
        .build();
  }

  private static EnvVar value(String name, String value) {
    return new EnvVarBuilder().withName(name).withValue(value).build();
  }
}
