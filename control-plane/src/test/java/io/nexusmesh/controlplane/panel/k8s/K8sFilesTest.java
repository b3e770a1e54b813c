package io.nexusmesh.controlplane.panel.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.node.v1.RuntimeClass;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
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
                  .containsEntry("kubernetes.podspec-runtimeclassname", "enabled");
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
    assertThat(workloads).isEqualTo(5);
  }
}
