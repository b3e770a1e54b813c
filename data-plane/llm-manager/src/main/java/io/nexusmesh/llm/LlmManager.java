package io.nexusmesh.llm;

import static java.util.Objects.requireNonNull;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.nexusmesh.llm.model.ModelCaller;
import io.nexusmesh.llm.model.ModelClient;
import io.nexusmesh.llm.tools.ToolCaller;
import io.nexusmesh.llm.topology.TurnMachine;
import io.nexusmesh.llm.topology.TurnTopology;
import io.nexusmesh.llm.work.CommandWorker;
import io.opentelemetry.api.OpenTelemetry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running LLM manager: the turn topology under Kafka Streams ({@code exactly_once_v2}: a
 * command's context update and the records it causes commit together), plus the two asynchronous
 * callers, one for models and one for tools. Any number of instances may run: Kafka spreads the
 * sessions' partitions over them.
 */
public final class LlmManager implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(LlmManager.class);

  private final KafkaStreams streams;
  private final ModelCaller models;
  private final ToolCaller tools;
  private final CommandWorker modelWorker;
  private final CommandWorker toolWorker;

  private LlmManager(
      KafkaStreams streams,
      ModelCaller models,
      ToolCaller tools,
      CommandWorker modelWorker,
      CommandWorker toolWorker) {
    this.streams = streams;
    this.models = models;
    this.tools = tools;
    this.modelWorker = modelWorker;
    this.toolWorker = toolWorker;
  }

  /** Creates the topics if they are missing, then starts the topology and the callers. */
  public static LlmManager start(LlmManagerConfig config, ModelClient model, MeterRegistry meters) {
    return start(config, model, meters, OpenTelemetry.noop());
  }

  /**
   * {@link #start(LlmManagerConfig, ModelClient, MeterRegistry)}, tracing each command's work (a
   * model call with gen_ai attributes, a tool call) in the trace its Kafka headers carry, and
   * exporting Kafka Streams' own metrics.
   */
  public static LlmManager start(
      LlmManagerConfig config, ModelClient model, MeterRegistry meters, OpenTelemetry otel) {
    requireNonNull(config, "config");
    createTopics(config);
    StreamsBuilder builder = new StreamsBuilder();
    TurnTopology.build(
        builder, config.topics(), new TurnMachine(config.limits(), config.defaultModel()));
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, config.applicationId());
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrap());
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, config.processingGuarantee());
    props.put(StreamsConfig.STATE_DIR_CONFIG, config.stateDir().toString());
    // Under exactly-once a record is visible downstream only once its transaction commits: the
    // commit interval bounds each hop's latency (a turn takes two hops per model call).
    props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, config.commitInterval().toMillis());
    props.put(StreamsConfig.consumerPrefix("max.poll.records"), 1000);
    // A stream thread waits this long in poll() for input before it commits what it did: with
    // Streams' default (100 ms) every hop of a turn would wait for it. The producer sends at once
    // (Streams' default lingers 100 ms); the commit flushes anyway.
    props.put(StreamsConfig.POLL_MS_CONFIG, 5);
    props.put(StreamsConfig.producerPrefix("linger.ms"), 1);
    if (config.instanceId() != null) {
      props.put(StreamsConfig.consumerPrefix("group.instance.id"), config.instanceId());
    }
    // Kafka 5's default, set now: it only silences a start-up warning (no global state here).
    props.put("processing.exception.handler.global.enabled", true);
    KafkaStreams streams = new KafkaStreams(builder.build(), props);
    streams.setUncaughtExceptionHandler(
        e -> {
          log.error("a stream thread failed; replacing it", e);
          return org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler
              .StreamThreadExceptionResponse.REPLACE_THREAD;
        });
    new KafkaStreamsMetrics(streams).bindTo(meters);
    streams.start();
    var models = new ModelCaller(model, meters, otel);
    var tools = new ToolCaller(config.toolTimeout(), otel);
    var modelWorker =
        new CommandWorker(
                config.applicationId() + "-models",
                memberOf(config, "-models"),
                config.bootstrap(),
                config.topics(),
                models,
                config.maxInFlight(),
                otel)
            .start();
    var toolWorker =
        new CommandWorker(
                config.applicationId() + "-tools",
                memberOf(config, "-tools"),
                config.bootstrap(),
                config.topics(),
                tools,
                config.maxInFlight(),
                otel)
            .start();
    log.info(
        "LLM manager started on {} (default model {}, model server {})",
        config.bootstrap(),
        config.defaultModel(),
        config.modelBaseUrl());
    return new LlmManager(streams, models, tools, modelWorker, toolWorker);
  }

  private static @org.jspecify.annotations.Nullable String memberOf(
      LlmManagerConfig config, String suffix) {
    return config.instanceId() == null ? null : config.instanceId() + suffix;
  }

  private static void createTopics(LlmManagerConfig config) {
    try (Admin admin =
        Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrap()))) {
      List<NewTopic> topics =
          config.topics().all().stream()
              .map(name -> new NewTopic(name, Optional.of(config.partitions()), Optional.empty()))
              .toList();
      for (var entry : admin.createTopics(topics).values().entrySet()) {
        try {
          entry.getValue().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
          if (!(e.getCause() instanceof TopicExistsException)) {
            throw new IllegalStateException(
                "could not create topic " + entry.getKey(), e.getCause());
          }
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while creating the semantic bus's topics", e);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException(
          "Kafka at " + config.bootstrap() + " did not create the topics", e);
    }
  }

  /** Whether the topology is processing. */
  public boolean running() {
    return streams.state() == KafkaStreams.State.RUNNING;
  }

  /** Waits until the topology is processing. */
  public void awaitRunning(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!running()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the LLM manager's topology is " + streams.state());
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
  }

  /** Stops taking work; open calls are redone by the instance that takes the sessions over. */
  @Override
  public void close() {
    modelWorker.close();
    toolWorker.close();
    streams.close(Duration.ofSeconds(15));
    models.close();
    tools.close();
  }
}
