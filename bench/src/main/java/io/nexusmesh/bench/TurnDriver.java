package io.nexusmesh.bench;

import com.google.protobuf.InvalidProtocolBufferException;
import io.nexusmesh.api.semantic.v1.Agent;
import io.nexusmesh.api.semantic.v1.SemanticEvent;
import io.nexusmesh.api.semantic.v1.TurnRequest;
import io.nexusmesh.semantic.Topics;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Drives turns the way a gateway does: writes {@code turn_request}s to the commands topic and
 * completes each turn's future when its {@code turn_response} (or {@code turn_failed}) is read from
 * the events topic (committed records only), with the time it was read.
 */
final class TurnDriver implements AutoCloseable {
  private final KafkaProducer<String, byte[]> producer;
  private final KafkaConsumer<String, byte[]> consumer;
  private final Map<String, CompletableFuture<Long>> open = new ConcurrentHashMap<>();
  private final Thread reader;
  private volatile boolean running = true;

  TurnDriver(String bootstrap) {
    Map<String, Object> producerConfig = new HashMap<>();
    producerConfig.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    producerConfig.put(ProducerConfig.LINGER_MS_CONFIG, 0);
    producerConfig.put(ProducerConfig.ACKS_CONFIG, "all");
    producer =
        new KafkaProducer<>(producerConfig, new StringSerializer(), new ByteArraySerializer());
    Map<String, Object> consumerConfig = new HashMap<>();
    consumerConfig.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    consumerConfig.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    consumerConfig.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    consumerConfig.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 1);
    consumer =
        new KafkaConsumer<>(consumerConfig, new StringDeserializer(), new ByteArrayDeserializer());
    List<TopicPartition> partitions =
        consumer.partitionsFor(Topics.DEFAULT.events()).stream()
            .map(p -> new TopicPartition(p.topic(), p.partition()))
            .toList();
    consumer.assign(partitions);
    consumer.seekToEnd(partitions);
    partitions.forEach(consumer::position);
    reader = Thread.ofPlatform().name("turn-driver").daemon().start(this::read);
  }

  private void read() {
    try {
      while (running) {
        for (var record : consumer.poll(Duration.ofMillis(100))) {
          long now = System.nanoTime();
          try {
            SemanticEvent event = SemanticEvent.parseFrom(record.value());
            if (event.hasTurnResponse() || event.hasTurnFailed()) {
              CompletableFuture<Long> done = open.remove(event.getTurnId());
              if (done != null) {
                done.complete(event.hasTurnResponse() ? now : -now);
              }
            }
          } catch (InvalidProtocolBufferException e) {
            // not a turn's end
          }
        }
      }
    } catch (WakeupException e) {
      // closing
    } finally {
      consumer.close();
    }
  }

  /**
   * Starts a turn in {@code session}; completes with the nanoTime its answer was read (negative:
   * failed).
   */
  CompletableFuture<Long> turn(String session, String text) {
    String turnId = UUID.randomUUID().toString();
    CompletableFuture<Long> done = new CompletableFuture<>();
    open.put(turnId, done);
    SemanticEvent request =
        SemanticEvent.newBuilder()
            .setEventId(UUID.randomUUID().toString())
            .setSessionId(session)
            .setOrg("bench")
            .setTurnId(turnId)
            .setSource("bench")
            .setTurnRequest(
                TurnRequest.newBuilder()
                    .setText(text)
                    .setAgent(Agent.newBuilder().setSystemPrompt("Answer briefly.")))
            .build();
    producer.send(new ProducerRecord<>(Topics.DEFAULT.commands(), session, request.toByteArray()));
    return done;
  }

  @Override
  public void close() {
    running = false;
    consumer.wakeup();
    try {
      reader.join(5000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    producer.close();
  }
}
