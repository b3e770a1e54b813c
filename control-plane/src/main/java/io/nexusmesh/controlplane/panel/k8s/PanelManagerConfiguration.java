package io.nexusmesh.controlplane.panel.k8s;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.nexusmesh.controlplane.panel.PanelCredentials;
import io.nexusmesh.controlplane.store.PanelStore;
import java.time.Clock;
import java.util.Objects;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The panel manager's beans, made only with {@code nexus.panels.kubernetes.enabled=true}: a Fabric8
 * client, and the {@link PanelManager} (which {@code PanelGrpcService} tells of every panel
 * change). Credentials for panels' Secrets are issued in a transaction of their own, as the
 * silent-instance sweeper writes: the panel manager is not a caller to audit.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(name = "nexus.panels.kubernetes.enabled", havingValue = "true")
public class PanelManagerConfiguration {
  @Bean(destroyMethod = "close")
  KubernetesClient panelKubernetesClient(PanelManagerProperties properties) {
    Config config = Config.autoConfigure(null);
    if (!properties.apiUrl().isEmpty()) {
      config = new ConfigBuilder(config).withMasterUrl(properties.apiUrl()).build();
    }
    return new KubernetesClientBuilder().withConfig(config).build();
  }

  @Bean(destroyMethod = "close")
  PanelManager panelManager(
      KubernetesClient panelKubernetesClient,
      PanelManagerProperties properties,
      PanelStore store,
      PanelCredentials credentials,
      TransactionTemplate transactions,
      Clock clock) {
    CredentialSecrets secrets =
        new CredentialSecrets(
            (org, name, ttl) ->
                Objects.requireNonNull(
                    transactions.execute(
                        status -> {
                          var issued = credentials.issue(org, name, ttl, clock.instant());
                          return new CredentialSecrets.Issued(
                              issued.credential(), issued.expireTime());
                        })));
    return new PanelManager(
            panelKubernetesClient,
            properties.meshNamespace(),
            properties.identity(),
            new PanelChangeSignals(panelKubernetesClient, properties.namespace(), clock),
            () ->
                new PanelReconciler(
                    panelKubernetesClient,
                    properties.cluster(),
                    store,
                    secrets,
                    clock,
                    properties.resync()))
        .start();
  }
}
