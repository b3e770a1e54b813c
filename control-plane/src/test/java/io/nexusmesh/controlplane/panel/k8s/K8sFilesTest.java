package io.nexusmesh.controlplane.panel.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.node.v1.RuntimeClass;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every manifest under {@code k8s/} read strictly into Fabric8's model (a misspelt field fails),
 * and the base keeping what a cluster needs: the {@code gvisor} RuntimeClass, Knative's
 * runtimeClassName flag, probes on every container, a PodDisruptionBudget and scrape annotations on
 * every workload.
 */
class K8sFilesTest {
  private static final Path K8S = Path.of("").toAbsolutePath().getParent().resolve("k8s");

  private static List<Path> manifestFiles() throws IOException {
    try (Stream<Path> files = Files.walk(K8S)) {
      return files
          .filter(p -> p.toString().endsWith(".yaml"))
          .filter(p -> !p.getFileName().toString().equals("kustomization.yaml"))
          .sorted()
          .toList();
    }
  }

  private static List<HasMetadata> base() throws IOException {
    List<HasMetadata> all = new ArrayList<>();
    for (Path file : manifestFiles()) {
      if (file.startsWith(K8S.resolve("base"))) {
        all.addAll(StrictManifests.parse(Files.readString(file)));
      }
    }
    return all;
  }

  @Test
  void everyFileReadsStrictly() throws IOException {
    List<Path> files = manifestFiles();
    assertThat(files).hasSizeGreaterThanOrEqualTo(10);
    for (Path file : files) {
      assertThat(StrictManifests.parse(Files.readString(file))).as(file.toString()).isNotEmpty();
    }
  }

  @Test
  void theBaseRunsPanelsUnderGvisorAndLetsKnativeDoSo() throws IOException {
    List<HasMetadata> base = base();
    assertThat(base)
        .filteredOn(RuntimeClass.class::isInstance)
        .map(RuntimeClass.class::cast)
        .anySatisfy(
            rc -> {
              assertThat(rc.getMetadata().getName()).isEqualTo(PanelPods.RUNTIME_CLASS);
              assertThat(rc.getHandler()).isEqualTo("runsc");
            });
    assertThat(base)
        .filteredOn(ConfigMap.class::isInstance)
        .map(ConfigMap.class::cast)
        .anySatisfy(
            cm -> {
              assertThat(cm.getMetadata().getNamespace()).isEqualTo("knative-serving");
              assertThat(cm.getData())
                  .containsEntry("kubernetes.podspec-runtimeclassname", "enabled")
                  .containsEntry("kubernetes.podspec-securitycontext", "enabled")
                  .containsEntry("kubernetes.podspec-fieldref", "enabled")
                  .containsEntry("kubernetes.podspec-volumes-emptydir", "enabled");
            });
  }

  @Test
  void everyWorkloadHasProbesABudgetAndIsScrapedWhereItServesMetrics() throws IOException {
    List<HasMetadata> base = base();
    List<PodDisruptionBudget> budgets =
        base.stream()
            .filter(PodDisruptionBudget.class::isInstance)
            .map(PodDisruptionBudget.class::cast)
            .toList();
    int workloads = 0;
    for (HasMetadata m : base) {
      PodTemplateSpec template =
          m instanceof Deployment d
              ? d.getSpec().getTemplate()
              : m instanceof StatefulSet s ? s.getSpec().getTemplate() : null;
      if (template == null) {
        continue;
      }
      workloads++;
      String name = m.getMetadata().getName();
      for (Container c : template.getSpec().getContainers()) {
        assertThat(c.getReadinessProbe()).as(name + "/" + c.getName() + " readiness").isNotNull();
        assertThat(c.getLivenessProbe()).as(name + "/" + c.getName() + " liveness").isNotNull();
        assertThat(c.getSecurityContext().getAllowPrivilegeEscalation())
            .as(name + " may escalate")
            .isFalse();
      }
      Map<String, String> labels = template.getMetadata().getLabels();
      assertThat(budgets)
          .as(name + " has a PodDisruptionBudget")
          .anyMatch(
              b ->
                  labels
                      .entrySet()
                      .containsAll(b.getSpec().getSelector().getMatchLabels().entrySet()));
      if (name.startsWith("nexus-") && !name.equals("nexus-redis")) {
        assertThat(template.getMetadata().getAnnotations())
            .as(name + " scrape annotations")
            .containsEntry("prometheus.io/scrape", "true")
            .containsEntry("prometheus.io/path", "/metrics")
            .containsKey("prometheus.io/port");
      }
    }
    assertThat(workloads).isEqualTo(6);
  }

  @Test
  void thePanelManagerMayWriteEveryKindItMakesInThePanelsNamespaceOnly() throws IOException {
    List<HasMetadata> base = base();
    Role role =
        base.stream()
            .filter(Role.class::isInstance)
            .map(Role.class::cast)
            .filter(r -> r.getMetadata().getName().equals("nexus-panel-manager"))
            .findFirst()
            .orElseThrow();
    assertThat(role.getMetadata().getNamespace()).isEqualTo("nexus-panels");
    for (ManagedKind kind : ManagedKind.ALL) {
      String group = kind.context().getGroup() == null ? "" : kind.context().getGroup();
      assertThat(role.getRules())
          .as(kind + " in the panel manager's Role")
          .anySatisfy(
              rule -> {
                assertThat(rule.getApiGroups()).contains(group);
                assertThat(rule.getResources()).contains(kind.context().getPlural());
                assertThat(rule.getVerbs())
                    .contains("get", "list", "watch", "create", "update", "patch", "delete");
              });
    }
    assertThat(role.getRules())
        .as("the change signals' ConfigMap")
        .anySatisfy(
            rule -> {
              assertThat(rule.getResources()).contains("configmaps");
              assertThat(rule.getVerbs()).contains("get", "list", "watch", "create", "patch");
            });
    assertThat(base)
        .filteredOn(ClusterRole.class::isInstance)
        .as("the control plane needs no cluster-wide rights")
        .isEmpty();
    Role election =
        base.stream()
            .filter(Role.class::isInstance)
            .map(Role.class::cast)
            .filter(r -> r.getMetadata().getName().equals("nexus-panel-manager-election"))
            .findFirst()
            .orElseThrow();
    assertThat(election.getRules())
        .anySatisfy(
            rule -> {
              assertThat(rule.getResources()).containsExactly("leases");
              assertThat(rule.getResourceNames()).containsExactly(PanelManager.LEASE);
              assertThat(rule.getVerbs()).contains("get", "update");
            });
  }

  @Test
  @SuppressWarnings("unchecked")
  void theEdgeRoutesToServicesThatExistAndKeepsItsAdminOnLoopback() throws IOException {
    List<HasMetadata> base = base();
    ConfigMap edge =
        base.stream()
            .filter(ConfigMap.class::isInstance)
            .map(ConfigMap.class::cast)
            .filter(c -> c.getMetadata().getName().equals("nexus-edge"))
            .findFirst()
            .orElseThrow();
    Map<String, Object> envoy =
        new KubernetesSerialization().unmarshal(edge.getData().get("envoy.yaml"), Map.class);
    assertThat(text(envoy, "admin", "address", "socket_address", "address")).isEqualTo("127.0.0.1");
    Map<String, Object> resources = (Map<String, Object>) envoy.get("static_resources");
    List<Map<String, Object>> clusters = (List<Map<String, Object>>) resources.get("clusters");
    List<String> names = clusters.stream().map(c -> (String) c.get("name")).toList();
    String config = edge.getData().get("envoy.yaml");
    for (String routed : List.of("control_plane", "gateway", "admin")) {
      assertThat(names).contains(routed);
      assertThat(config).contains("cluster: " + routed);
    }
    List<Service> services =
        base.stream().filter(Service.class::isInstance).map(Service.class::cast).toList();
    for (Map<String, Object> cluster : clusters) {
      if (!"STRICT_DNS".equals(cluster.get("type"))) {
        continue;
      }
      Map<String, Object> socket =
          (Map<String, Object>)
              ((Map<String, Object>)
                      ((Map<String, Object>)
                              ((List<Map<String, Object>>)
                                      ((List<Map<String, Object>>)
                                              ((Map<String, Object>) cluster.get("load_assignment"))
                                                  .get("endpoints"))
                                          .getFirst()
                                          .get("lb_endpoints"))
                                  .getFirst()
                                  .get("endpoint"))
                          .get("address"))
                  .get("socket_address");
      String host = (String) socket.get("address");
      int port = (Integer) socket.get("port_value");
      assertThat(services)
          .as(cluster.get("name") + " resolves " + host + ":" + port)
          .anySatisfy(
              svc -> {
                assertThat(host)
                    .isEqualTo(
                        svc.getMetadata().getName()
                            + "."
                            + svc.getMetadata().getNamespace()
                            + ".svc.cluster.local");
                assertThat(svc.getSpec().getClusterIP()).as("headless").isEqualTo("None");
                assertThat(svc.getSpec().getPorts()).anyMatch(p -> p.getPort() == port);
              });
    }
  }

  @SuppressWarnings("unchecked")
  private static String text(Map<String, Object> map, String... path) {
    Object at = map;
    for (String key : path) {
      at = ((Map<String, Object>) at).get(key);
    }
    return String.valueOf(at);
  }
}
