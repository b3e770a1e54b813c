package io.nexusmesh.gateway.agent;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.InvalidProtocolBufferException;
import io.nexusmesh.api.semantic.v1.SemanticEvent;
import io.nexusmesh.api.semantic.v1.TurnRequest;
import io.nexusmesh.gateway.session.SessionEvents;
import io.nexusmesh.gateway.usage.UsageMeter;
import io.nexusmesh.runtime.telemetry.TraceParents;
import io.nexusmesh.semantic.Topics;
import io.nexusmesh.semantic.TraceHeaders;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
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
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A gateway's link to the semantic bus: it writes turn requests to {@code nexus.semantic.commands}
 * and, as one member of the gateways' consumer group (so each event is handled once, by one
 * gateway), reads {@code nexus.semantic.events} (committed records only) to publish each step of a
 * chain to its session's subscribers on every gateway (Redis) and to count usage against the
 * organisation's token budget; the end of a workflow step's turn goes to {@link TurnResults}
 * instead. It also re-reads a session's chain for a replay.
 */
public final class AgentBus implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(AgentBus.class);

  /** The prefix of the consumer group an organisation's gateways share to fan its chains out. */
  public static final String FAN_OUT_GROUP = "nexus-gateways.";

  private final String bootstrap;
  private final Topics topics;
  private final SessionEvents sessionEvents;
  private final TokenBudget budget;
  private final TurnResults results;
  private final UsageMeter usage;
  private final KafkaProducer<String, byte[]> producer;
  private final java.util.function.Supplier<java.util.Set<String>> orgs;
  private volatile @Nullable KafkaConsumer<String, byte[]> consumer;
  private final Thread thread;
  private final org.apache.kafka.clients.admin.Admin admin;
  private volatile boolean running = true;
  private volatile boolean assigned;

  public AgentBus(
      String bootstrap,
      Topics topics,
      SessionEvents sessionEvents,
      TokenBudget budget,
      TurnResults results,
      UsageMeter usage,
      java.util.function.Supplier<java.util.Set<String>> orgs) {
    this.orgs = requireNonNull(orgs, "orgs");
    this.results = requireNonNull(results, "results");
    this.usage = requireNonNull(usage, "usage");
    this.bootstrap = requireNonNull(bootstrap, "bootstrap");
    this.topics = requireNonNull(topics, "topics");
    this.sessionEvents = requireNonNull(sessionEvents, "sessionEvents");
    this.budget = requireNonNull(budget, "budget");
    this.producer =
        new KafkaProducer<>(
            Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrap,
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
                true,
                ProducerConfig.ACKS_CONFIG,
                "all",
                ProducerConfig.LINGER_MS_CONFIG,
                0,
                ProducerConfig.MAX_BLOCK_MS_CONFIG,
                10_000),
            new StringSerializer(),
            new ByteArraySerializer());
    this.thread = Thread.ofPlatform().name("agent-bus").daemon().unstarted(this::fanOut);
    this.admin =
        org.apache.kafka.clients.admin.Admin.create(
            Map.of(
                org.apache.kafka.clients.admin.AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrap,
                org.apache.kafka.clients.admin.AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG,
                2_000,
                org.apache.kafka.clients.admin.AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG,
                2_000));
  }

  /** Whether the broker answers (its cluster's nodes listed), for the gateway's health. */
  public java.util.concurrent.CompletionStage<Boolean> reachable() {
    return admin.describeCluster().nodes().toCompletionStage().thenApply(nodes -> !nodes.isEmpty());
  }

  private KafkaConsumer<String, byte[]> consumer(@Nullable String group, String reset) {
    var config = new java.util.HashMap<String, Object>();
    config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, reset);
    if (group != null) {
      config.put(ConsumerConfig.GROUP_ID_CONFIG, group);
    } else {
      config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    }
    return new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer());
  }

  /** Starts fanning the chain out. */
  public AgentBus start() {
    thread.start();
    return this;
  }

  /**
   * Whether this gateway has joined the fan-out group (a new group starts at the log's end: events
   * written before it joined are not fanned out; replays still read them).
   */
  public boolean fanningOut() {
    return assigned;
  }

  /**
   * Writes a {@code turn_request} for {@code turnId} in {@code sessionId} and waits (up to 15 s)
   * for Kafka to have it; false when it did not take it.
   */
  public boolean requestTurn(
      String sessionId, String org, String turnId, String source, TurnRequest request)
      throws InterruptedException {
    SemanticEvent command =
        SemanticEvent.newBuilder()
            .setEventId(java.util.UUID.randomUUID().toString())
            .setSessionId(sessionId)
            .setOrg(org)
            .setTurnId(turnId)
            .setSource(source)
            .setTime(com.google.protobuf.util.Timestamps.fromMillis(System.currentTimeMillis()))
            .setTurnRequest(request)
            .build();
    try {
      send(command).get(15, java.util.concurrent.TimeUnit.SECONDS);
      return true;
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      log.warn("the semantic bus did not take turn {}: {}", turnId, e.toString());
      return false;
    }
  }

  /** Writes a command; completes once Kafka has it. */
  public CompletableFuture<Void> send(SemanticEvent command) {
    CompletableFuture<Void> sent = new CompletableFuture<>();
    var record =
        new ProducerRecord<>(topics.commands(), command.getSessionId(), command.toByteArray());
    // The turn, and every call it causes, continue the trace of the request that started it.
    TraceHeaders.inject(TraceParents.current(), record.headers());
    producer.send(
        record,
        (metadata, failure) -> {
          if (failure == null) {
            sent.complete(null);
          } else {
            sent.completeExceptionally(failure);
          }
        });
    return sent;
  }

  /**
   * Waits until this gateway knows its organisation (its first key set from the control plane),
   * then joins that organisation's fan-out group and handles that organisation's events only: so
   * each event is handled once, by one gateway of its organisation, whose usage report may carry
   * it.
   */
  private void fanOut() {
    String org;
    try {
      while ((org = orgs.get().stream().sorted().findFirst().orElse(null)) == null) {
        if (!running) {
          return;
        }
        Thread.sleep(100);
      }
    } catch (InterruptedException e) {
      return;
    }
    KafkaConsumer<String, byte[]> consumer = consumer(FAN_OUT_GROUP + org, "latest");
    this.consumer = consumer;
    if (!running) {
      consumer.close();
      return;
    }
    consumer.subscribe(
        List.of(topics.events()),
        new org.apache.kafka.clients.consumer.ConsumerRebalanceListener() {
          @Override
          public void onPartitionsRevoked(java.util.Collection<TopicPartition> partitions) {}

          @Override
          public void onPartitionsAssigned(java.util.Collection<TopicPartition> partitions) {
            assigned = true;
          }
        });
    try {
      while (running) {
        for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
          SemanticEvent event;
          try {
            event = SemanticEvent.parseFrom(record.value());
          } catch (InvalidProtocolBufferException | NullPointerException e) {
            log.warn("unreadable chain event at {}@{}", record.partition(), record.offset());
            continue;
          }
          if (event.getOrg().equals(org)) {
            handle(event);
          }
        }
      }
    } catch (WakeupException e) {
      // closing
    } catch (RuntimeException e) {
      log.error("the semantic bus fan-out stopped", e);
    } finally {
      consumer.close();
    }
  }

  private void handle(SemanticEvent event) {
    if (event.getSessionId().startsWith(LlmSteps.SESSION_PREFIX)) {
      if (event.hasTurnResponse() || event.hasTurnFailed()) {
        results.record(event); // a workflow step waits for it
      }
    } else {
      sessionEvents.agent(event);
    }
    if (event.hasUsage()) {
      var used = event.getUsage();
      budget.spend(event.getOrg(), used.getPromptTokens() + used.getCompletionTokens());
      usage.tokens(
          event.getOrg(),
          used.getWorkflowId(),
          used.getModel(),
          used.getPromptTokens(),
          used.getCompletionTokens());
    }
  }

  /**
   * Up to {@code limit} events of {@code sessionId}'s chain with a sequence number from {@code
   * fromSequence} on, in order: read from the one partition the session's records are in, from the
   * first record at or after {@code sinceMillis} (the session's creation) to the end of the log.
   */
  public List<SemanticEvent> replay(
      String sessionId, long sinceMillis, long fromSequence, int limit) {
    try (KafkaConsumer<String, byte[]> reader = consumer(null, "earliest")) {
      int partitions = reader.partitionsFor(topics.events()).size();
      var partition =
          new TopicPartition(topics.events(), Topics.partitionOf(sessionId, partitions));
      reader.assign(List.of(partition));
      var start = reader.offsetsForTimes(Map.of(partition, sinceMillis)).get(partition);
      long end = reader.endOffsets(List.of(partition)).get(partition);
      if (start == null) {
        return List.of();
      }
      reader.seek(partition, start.offset());
      List<SemanticEvent> events = new ArrayList<>();
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (reader.position(partition) < end && events.size() < limit) {
        if (System.nanoTime() > deadline) {
          throw io.nexusmesh.runtime.error.NexusException.of(
              io.nexusmesh.api.common.v1.ErrorReason.ERROR_REASON_UNAVAILABLE,
              "the semantic bus did not return the session's chain in time");
        }
        for (ConsumerRecord<String, byte[]> record : reader.poll(Duration.ofMillis(500))) {
          if (!sessionId.equals(record.key())) {
            continue;
          }
          try {
            SemanticEvent event = SemanticEvent.parseFrom(record.value());
            if (event.getSequence() >= fromSequence && events.size() < limit) {
              events.add(event);
            }
          } catch (InvalidProtocolBufferException e) {
            log.warn("unreadable chain event at {}@{}", record.partition(), record.offset());
          }
        }
      }
      return events;
    }
  }

  @Override
  public void close() {
    running = false;
    admin.close(Duration.ofSeconds(1));
    var fanOut = consumer;
    if (fanOut != null) {
      fanOut.wakeup();
    } else {
      thread.interrupt(); // still waiting for its organisation
    }
    try {
      thread.join(Duration.ofSeconds(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    producer.close(Duration.ofSeconds(5));
  }
}
