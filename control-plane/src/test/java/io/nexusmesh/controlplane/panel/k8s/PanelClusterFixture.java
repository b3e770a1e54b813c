package io.nexusmesh.controlplane.panel.k8s;

import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.nexusmesh.api.controlplane.v1.Panel;
import io.nexusmesh.api.controlplane.v1.PanelMode;
import io.nexusmesh.controlplane.panel.PanelCredentials;
import io.nexusmesh.controlplane.store.PanelCredentialStore;
import io.nexusmesh.controlplane.store.PanelStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.h2.jdbcx.JdbcDataSource;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * What the panel manager's tests share: a migrated H2 store with real panel credentials, the
 * cluster settings, Knative's CRD for Fabric8's mock API server, and reconcilers on a client.
 */
final class PanelClusterFixture {
  static final String NAMESPACE = "nexus-panels";
  static final PanelCluster CLUSTER =
      new PanelCluster(
          NAMESPACE,
          "nexus-system",
          "nexus-sidecar:0.1.0-SNAPSHOT",
          "http://nexus-control-plane.nexus-system.svc:8080",
          "redis://nexus-redis.nexus-system.svc:6379",
          "1Gi",
          true);
  static final String STUDIO_IMAGE = "ghcr.io/acme/notes:dev";
  static final String APP_IMAGE = "ghcr.io/acme/notes@sha256:" + "ab".repeat(32);

  final JdbcClient jdbc;
  final PanelStore store;
  final PanelCredentials credentials;
  final String org = "acme";

  PanelClusterFixture() {
    var dataSource = new JdbcDataSource();
    dataSource.setURL(
        "jdbc:h2:mem:panels-"
            + UUID.randomUUID()
            + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH;DB_CLOSE_DELAY=-1");
    migrate(dataSource);
    jdbc = JdbcClient.create(dataSource);
    store = new PanelStore(jdbc);
    credentials = new PanelCredentials(new PanelCredentialStore(jdbc), Clock.systemUTC());
  }

  private static void migrate(DataSource dataSource) {
    Flyway.configure().dataSource(dataSource).locations("classpath:db/migration").load().migrate();
  }

  /** Registers Knative Serving's Service CRD, as installing Knative does. */
  static void installKnative(KubernetesClient client) {
    client
        .apiextensions()
        .v1()
        .customResourceDefinitions()
        .resource(
            new CustomResourceDefinitionBuilder()
                .withNewMetadata()
                .withName("services.serving.knative.dev")
                .endMetadata()
                .withNewSpec()
                .withGroup("serving.knative.dev")
                .withScope("Namespaced")
                .withNewNames()
                .withKind("Service")
                .withPlural("services")
                .withSingular("service")
                .withShortNames("ksvc", "kservice")
                .endNames()
                .addNewVersion()
                .withName("v1")
                .withServed(true)
                .withStorage(true)
                .withNewSubresources()
                .withNewStatus()
                .endStatus()
                .endSubresources()
                .endVersion()
                .endSpec()
                .build())
        .create();
  }

  /** Creates a panel record, as CreatePanel does. */
  Panel create(String name, PanelMode mode) {
    store.insert(
        org,
        name,
        mode,
        "",
        mode == PanelMode.PANEL_MODE_APP ? APP_IMAGE : STUDIO_IMAGE,
        "ada",
        Instant.now());
    return panel(name);
  }

  Panel panel(String name) {
    return store.find(org, name).orElseThrow().panel();
  }

  /** A reconciler on {@code client}, resyncing often. */
  PanelReconciler reconciler(KubernetesClient client) {
    CredentialSecrets secrets =
        new CredentialSecrets(
            (o, n, ttl) -> {
              var issued = credentials.issue(o, n, ttl, Instant.now());
              return new CredentialSecrets.Issued(issued.credential(), issued.expireTime());
            });
    return new PanelReconciler(
        client, CLUSTER, store, secrets, Clock.systemUTC(), Duration.ofSeconds(30));
  }

  /** Waits until {@code reconciler} has nothing left to do. */
  static void settle(PanelReconciler reconciler) {
    await().atMost(Duration.ofSeconds(20)).until(reconciler::quiet);
  }

  /** Everything in the panels' namespace that the panel manager made, across kinds. */
  static List<GenericKubernetesResource> made(KubernetesClient client) {
    List<GenericKubernetesResource> all = new ArrayList<>();
    for (ManagedKind kind : ManagedKind.ALL) {
      try {
        all.addAll(
            client
                .genericKubernetesResources(kind.context())
                .inNamespace(NAMESPACE)
                .withLabel(PanelNames.MANAGED_BY, PanelNames.MANAGER)
                .list()
                .getItems()
                .stream()
                .filter(kind::matches)
                .toList());
      } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
        if (e.getCode() != 404) {
          throw e;
        }
      }
    }
    return all;
  }
}
