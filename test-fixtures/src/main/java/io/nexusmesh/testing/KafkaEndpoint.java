package io.nexusmesh.testing;

import static java.util.Objects.requireNonNull;

/** Where the test Kafka broker listens, as a {@code bootstrap.servers} value. */
public record KafkaEndpoint(String bootstrapServers) {
  public KafkaEndpoint {
    requireNonNull(bootstrapServers, "bootstrapServers");
  }
}
