package io.nexusmesh.testing;

import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.apache.kafka.server.common.MetadataVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Kafka broker in this JVM: one combined broker/controller node in KRaft mode, run by
 * Kafka's own test kit on loopback, with single-replica internal topics (so transactions work), and
 * checked by listing its nodes. For tests ({@link KafkaExtension}) and benchmarks.
 */
public final class KafkaBroker implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(KafkaBroker.class);

  private final KafkaClusterTestKit cluster;
  private final KafkaEndpoint endpoint;

  private KafkaBroker(KafkaClusterTestKit cluster, KafkaEndpoint endpoint) {
    this.cluster = cluster;
    this.endpoint = endpoint;
  }

  /** Starts one and waits until it answers. */
  public static KafkaBroker start() {
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
      return new KafkaBroker(cluster, endpoint);
    } catch (Exception e) {
      if (cluster != null) {
        closeQuietly(cluster);
      }
      throw new IllegalStateException("could not start the Kafka broker", e);
    }
  }

  /** Readiness check: the cluster answers a metadata request within 30 s. */
  static void awaitReady(KafkaEndpoint endpoint) {
    try (Admin admin =
        Admin.create(
            Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, endpoint.bootstrapServers()))) {
      admin.describeCluster().nodes().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(
          "Kafka at " + endpoint.bootstrapServers() + " is not ready", e);
    }
  }

  /** Where it listens. */
  public KafkaEndpoint endpoint() {
    return endpoint;
  }

  @Override
  public void close() {
    closeQuietly(cluster);
  }

  private static void closeQuietly(KafkaClusterTestKit cluster) {
    try {
      cluster.close();
    } catch (Exception e) {
      log.warn("Kafka did not stop cleanly", e);
    }
  }
}
