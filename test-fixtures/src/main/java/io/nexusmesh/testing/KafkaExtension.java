package io.nexusmesh.testing;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Provides a real Kafka broker to tests as a {@link KafkaEndpoint} parameter: a {@link
 * KafkaBroker}, started once per test JVM on loopback and closed when the test run ends. When
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
    private final @Nullable KafkaBroker broker;

    private Handle(KafkaEndpoint endpoint, @Nullable KafkaBroker broker) {
      this.endpoint = endpoint;
      this.broker = broker;
    }

    @Override
    public KafkaEndpoint endpoint() {
      return endpoint;
    }

    static Handle start() {
      String external = System.getenv("KAFKA_BOOTSTRAP");
      if (external != null && !external.isBlank()) {
        var endpoint = new KafkaEndpoint(external);
        KafkaBroker.awaitReady(endpoint);
        log.info("Using the external Kafka at {}", external);
        return new Handle(endpoint, null);
      }
      KafkaBroker broker = KafkaBroker.start();
      return new Handle(broker.endpoint(), broker);
    }

    @Override
    public void close() {
      if (broker != null) {
        broker.close();
      }
    }
  }
}
