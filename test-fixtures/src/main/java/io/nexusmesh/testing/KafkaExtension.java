package io.nexusmesh.testing;

import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.apache.kafka.server.common.MetadataVersion;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Provides a real Kafka broker to tests as a {@link KafkaEndpoint} parameter: one combined
 * broker/controller node in KRaft mode, run in the test JVM by Kafka's own test kit, started once
 * per test JVM on loopback, checked by listing its nodes, and closed when the test run ends. When
 * {@code KAFKA_BOOTSTRAP} is set that cluster is used instead and nothing is started.
 */
public final class KafkaExtension extends SharedServerExtension<KafkaEndpoint> {
  private static final Logger log = LoggerFactory.getLogger(KafkaExtension.class);

  public KafkaExtension() {
    super(KafkaEndpoint.class, Handle::start);
  }

  /** The shared broker, started on first use. */
  public static KafkaEndpoint endpoint(ExtensionContext context) {
    return new KafkaExtension().shared(context);
  }

  private static final class Handle implements SharedServerExtension.Handle<KafkaEndpoint> {
    private final KafkaEndpoint endpoint;
    private final @Nullable KafkaClusterTestKit cluster;

    private Handle(KafkaEndpoint endpoint, @Nullable KafkaClusterTestKit cluster) {
      this.endpoint = endpoint;
      this.cluster = cluster;
    }

    @Override
    public KafkaEndpoint endpoint() {
      return endpoint;
    }

    static Handle start() {
      String external = System.getenv("KAFKA_BOOTSTRAP");
      if (external != null && !external.isBlank()) {
        var endpoint = new KafkaEndpoint(external);
        awaitReady(endpoint);
        log.info("Using the external Kafka at {}", external);
        return new Handle(endpoint, null);
      }
      long started = System.nanoTime();
      KafkaClusterTestKit cluster = null;
      try {
        cluster =
            new KafkaClusterTestKit.Builder(
                    new TestKitNodes.Builder()
                        .setCombined(true)
                        .setNumBrokerNodes(1)
                        .setNumControllerNodes(1)
                        .setBootstrapMetadataVersion(MetadataVersion.latestProduction())
                        .build())
                .setConfigProp("offsets.topic.replication.factor", "1")
                .setConfigProp("transaction.state.log.replication.factor", "1")
                .setConfigProp("transaction.state.log.min.isr", "1")
                .setConfigProp("group.initial.rebalance.delay.ms", "0")
                .build();
        cluster.format();
        cluster.startup();
        cluster.waitForReadyBrokers();
        var endpoint = new KafkaEndpoint(cluster.bootstrapServers());
        awaitReady(endpoint);
        log.info(
            "Started a KRaft Kafka broker on {} in {} ms",
            endpoint.bootstrapServers(),
            (System.nanoTime() - started) / 1_000_000);
        return new Handle(endpoint, cluster);
      } catch (Exception e) {
        if (cluster != null) {
          closeQuietly(cluster);
        }
        throw new IllegalStateException("could not start the Kafka broker", e);
      }
    }

    /** Readiness check: the cluster answers a metadata request within 30 s. */
    private static void awaitReady(KafkaEndpoint endpoint) {
      try (Admin admin =
          Admin.create(
              Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, endpoint.bootstrapServers()))) {
        admin.describeCluster().nodes().get(30, TimeUnit.SECONDS);
      } catch (Exception e) {
        throw new IllegalStateException(
            "Kafka at " + endpoint.bootstrapServers() + " is not ready", e);
      }
    }

    @Override
    public void close() {
      if (cluster != null) {
        closeQuietly(cluster);
      }
    }

    private static void closeQuietly(KafkaClusterTestKit cluster) {
      try {
        cluster.close();
      } catch (Exception e) {
        log.warn("Kafka did not stop cleanly", e);
      }
    }
  }
}
