package io.nexusmesh.controlplane.xds;

import io.envoyproxy.controlplane.cache.v3.SimpleCache;
import io.envoyproxy.controlplane.server.V3DiscoveryServer;
import io.nexusmesh.controlplane.gateway.GatewayHealthPolicy;
import io.nexusmesh.controlplane.store.GatewayStore;
import io.nexusmesh.controlplane.store.PanelStore;
import io.nexusmesh.runtime.auth.Authenticator;
import java.time.Clock;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The xDS server's parts, unless {@code nexus.xds.enabled=false}. */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(name = "nexus.xds.enabled", havingValue = "true", matchIfMissing = true)
public class XdsConfiguration {
  @Bean
  SimpleCache<String> xdsCache() {
    // The groups are set by SubscriberViews, which replaces the node by the caller's group.
    return new SimpleCache<>(node -> node.getId());
  }

  @Bean(destroyMethod = "close")
  MeshPublisher meshPublisher(
      XdsProperties properties,
      SimpleCache<String> xdsCache,
      GatewayStore gateways,
      PanelStore panels,
      GatewayHealthPolicy health,
      Clock clock) {
    MeshStateReader reader = new MeshStateReader(gateways, panels, health, clock);
    return new MeshPublisher(
        reader::read,
        xdsCache,
        new MeshSnapshots.Edge(
            properties.edgeControlPlaneHost(), properties.edgeControlPlanePort()),
        properties.quiet(),
        properties.maxDelay(),
        properties.resync());
  }

  @Bean
  XdsClientStatuses xdsClientStatuses(Clock clock) {
    return new XdsClientStatuses(clock);
  }

  @Bean
  XdsServer xdsServer(
      XdsProperties properties,
      SimpleCache<String> xdsCache,
      MeshPublisher meshPublisher,
      XdsClientStatuses statuses,
      Authenticator authenticator) {
    V3DiscoveryServer discovery =
        new V3DiscoveryServer(statuses, new SubscriberViews(xdsCache, meshPublisher::ensure));
    return new XdsServer(properties, discovery, authenticator, meshPublisher);
  }
}
