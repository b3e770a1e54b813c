package io.nexusmesh.llm.work;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.InvalidProtocolBufferException;
import io.nexusmesh.api.semantic.v1.SemanticEvent;
import io.nexusmesh.semantic.Topics;
import io.nexusmesh.semantic.TraceHeaders;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
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
 * Takes one kind of work out of the topology: consumes {@code nexus.semantic.commands} (committed
 * records only), hands each command its {@link CommandHandler} accepts to it, and writes the reply
 * back to the commands topic, where the topology continues the turn. Commands of one session run
 * one after the other, in their log order; different sessions run at once, so a slow model holds up
 * only its own session. The poll thread never waits for the work: it commits, per partition, the
 * lowest offset still being worked on, so a restart redoes unfinished calls (their replies are
 * de-duplicated by the topology, tool calls by their idempotency key) and never skips one. It stops
 * polling while {@code maxInFlight} commands are open.
 */
public final class CommandWorker implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(CommandWorker.class);
  private static final CompletableFuture<Void> IDLE = CompletableFuture.completedFuture(null);

  private final String name;
  private final Topics topics;
  private final CommandHandler handler;
  private final int maxInFlight;
  private final KafkaConsumer<String, byte[]> consumer;
  private final KafkaProducer<String, byte[]> producer;
  private final Map<TopicPartition, OffsetTracker> trackers = new ConcurrentHashMap<>();
  private final Map<String, CompletableFuture<Void>> tails = new ConcurrentHashMap<>();
  private final AtomicInteger inFlight = new AtomicInteger();
  private final Thread thread;
  private final Tracer tracer;
  private volatile boolean running = true;

  /**
   * @param name the consumer group, e.g. {@code nexus-llm-manager-models}
   * @param member a static member id for the group, or null for dynamic membership
   * @param bootstrap the Kafka bootstrap servers
   */
  public CommandWorker(
      String name,
      @Nullable String member,
      String bootstrap,
      Topics topics,
      CommandHandler handler,
      int maxInFlight,
      OpenTelemetry otel) {
    this.tracer = otel.getTracer("io.nexusmesh.llm.work");
    this.name = requireNonNull(name, "name");
    this.topics = requireNonNull(topics, "topics");
    this.handler = requireNonNull(handler, "handler");
    this.maxInFlight = maxInFlight;
    Map<String, Object> consumerConfig = new HashMap<>();
    consumerConfig.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    consumerConfig.put(ConsumerConfig.GROUP_ID_CONFIG, name);
    consumerConfig.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    consumerConfig.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    consumerConfig.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    consumerConfig.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 1000);
    consumerConfig.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 20);
    if (member != null) {
      consumerConfig.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, member);
    }
    this.consumer =
        new KafkaConsumer<>(consumerConfig, new StringDeserializer(), new ByteArrayDeserializer());
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
                1,
                ProducerConfig.CLIENT_ID_CONFIG,
                name + "-replies"),
            new StringSerializer(),
            new ByteArraySerializer());
    this.thread = Thread.ofPlatform().name(name).daemon().unstarted(this::run);
  }

  /** Starts polling. */
  public CommandWorker start() {
    thread.start();
    return this;
  }

  private void run() {
    consumer.subscribe(
        List.of(topics.commands()),
        new ConsumerRebalanceListener() {
          @Override
          public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            commit(true);
            partitions.forEach(trackers::remove);
          }

          @Override
          public void onPartitionsAssigned(Collection<TopicPartition> partitions) {}
        });
    boolean paused = false;
    try {
      while (running) {
        for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(100))) {
          dispatch(record);
        }
        if (!paused && inFlight.get() >= maxInFlight) {
          consumer.pause(consumer.assignment());
          paused = true;
        } else if (paused && inFlight.get() < maxInFlight / 2) {
          consumer.resume(consumer.paused());
          paused = false;
        }
        commit(false);
      }
    } catch (WakeupException e) {
      // closing
    } catch (RuntimeException e) {
      log.error("{} stopped", name, e);
    } finally {
      try {
        commit(true);
      } catch (RuntimeException e) {
        log.debug("{}: last commit failed", name, e);
      }
      consumer.close();
    }
  }

  private void dispatch(ConsumerRecord<String, byte[]> record) {
    var partition = new TopicPartition(record.topic(), record.partition());
    OffsetTracker tracker = trackers.computeIfAbsent(partition, p -> new OffsetTracker());
    long offset = record.offset();
    SemanticEvent command;
    try {
      command = SemanticEvent.parseFrom(record.value() == null ? new byte[0] : record.value());
    } catch (InvalidProtocolBufferException e) {
      tracker.begin(offset);
      tracker.done(offset); // the topology dead-letters it
      return;
    }
    tracker.begin(offset);
    if (!handler.accepts(command) || record.key() == null) {
      tracker.done(offset);
      return;
    }
    inFlight.incrementAndGet();
    String session = record.key();
    // The command's work, and the reply it writes, continue the trace its headers carry.
    Span span =
        tracer
            .spanBuilder("process " + record.topic())
            .setSpanKind(SpanKind.CONSUMER)
            .setParent(TraceHeaders.extract(record.headers()))
            .setAttribute("messaging.system", "kafka")
            .setAttribute("messaging.destination.name", record.topic())
            .setAttribute("messaging.operation.type", "process")
            .setAttribute("messaging.consumer.group.name", name)
            .setAttribute("messaging.kafka.offset", offset)
            .setAttribute("nexus.session.id", session)
            .startSpan();
    Context traced = Context.current().with(span);
    CompletableFuture<Void> next =
        tails.compute(
            session,
            (key, previous) ->
                (previous == null ? IDLE : previous)
                    .thenCompose(
                        ignored -> {
                          try (var current = traced.makeCurrent()) {
                            return handler.handle(command);
                          }
                        })
                    .thenCompose(reply -> send(reply, traced))
                    .handle(
                        (done, failure) -> {
                          if (failure != null) {
                            span.setStatus(StatusCode.ERROR, failure.toString());
                            log.error(
                                "{}: command {} of session {} failed",
                                name,
                                command.getEventId(),
                                session,
                                failure);
                          }
                          span.end();
                          tracker.done(offset);
                          inFlight.decrementAndGet();
                          return null;
                        }));
    // Outside compute(): the chain may already be complete, and its callback touches the map.
    next.whenComplete((done, failure) -> tails.remove(session, next));
  }

  private CompletableFuture<Void> send(SemanticEvent reply, Context trace) {
    CompletableFuture<Void> sent = new CompletableFuture<>();
    var record = new ProducerRecord<>(topics.commands(), reply.getSessionId(), reply.toByteArray());
    TraceHeaders.inject(trace, record.headers());
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

  private void commit(boolean sync) {
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    trackers.forEach(
        (partition, tracker) -> {
          long offset = tracker.committable();
          if (offset >= 0) {
            offsets.put(partition, new OffsetAndMetadata(offset));
          }
        });
    if (offsets.isEmpty()) {
      return;
    }
    if (sync) {
      consumer.commitSync(offsets);
    } else {
      consumer.commitAsync(offsets, null);
    }
  }

  /** Commands taken but not yet answered. */
  public int inFlight() {
    return inFlight.get();
  }

  /** Stops polling; open work is redone by whoever takes the partitions next. */
  @Override
  public void close() {
    running = false;
    consumer.wakeup();
    try {
      thread.join(Duration.ofSeconds(10));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    producer.close(Duration.ofSeconds(5));
  }
}
