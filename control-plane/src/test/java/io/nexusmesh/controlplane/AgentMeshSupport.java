package io.nexusmesh.controlplane;

import com.google.protobuf.Value;
import io.grpc.stub.StreamObserver;
import io.nexusmesh.api.controlplane.v1.ApiKeyServiceGrpc;
import io.nexusmesh.api.controlplane.v1.CreateApiKeyRequest;
import io.nexusmesh.api.gateway.v1.CreateSessionRequest;
import io.nexusmesh.api.gateway.v1.PostSessionMessageRequest;
import io.nexusmesh.api.gateway.v1.SessionEvent;
import io.nexusmesh.api.gateway.v1.SessionServiceGrpc;
import io.nexusmesh.api.gateway.v1.WatchSessionRequest;
import io.nexusmesh.api.gateway.v1.WatchSessionResponse;
import io.nexusmesh.api.semantic.v1.Agent;
import io.nexusmesh.api.semantic.v1.SemanticEvent;
import io.nexusmesh.llm.LlmManager;
import io.nexusmesh.llm.LlmManagerConfig;
import io.nexusmesh.llm.model.OpenAiModelClient;
import io.nexusmesh.llm.scripted.ScriptedModel;
import io.nexusmesh.semantic.Topics;
import io.nexusmesh.testing.KafkaEndpoint;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.sql.DataSource;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.simple.JdbcClient;

/** What {@link AgentMeshTest} shares: the LLM manager it starts, watching, reading the bus back. */
final class AgentMeshSupport {
  private AgentMeshSupport() {}

  static LlmManager manager(Path state, KafkaEndpoint kafka, ScriptedModel model, String stateDir) {
    return manager(
        state,
        kafka,
        model,
        stateDir,
        io.nexusmesh.runtime.telemetry.Telemetry.of(io.opentelemetry.api.OpenTelemetry.noop()));
  }

  /** An LLM manager whose metrics and traces go to {@code telemetry}. */
  static LlmManager manager(
      Path state,
      KafkaEndpoint kafka,
      ScriptedModel model,
      String stateDir,
      io.nexusmesh.runtime.telemetry.Telemetry telemetry) {
    LlmManagerConfig config =
        LlmManagerConfig.fromEnvironment(
            Map.of(
                "NEXUS_KAFKA_BOOTSTRAP", kafka.bootstrapServers(),
                "NEXUS_LLM_STATE_DIR", state.resolve(stateDir).toString(),
                "NEXUS_LLM_PARTITIONS", "3",
                "NEXUS_LLM_MODEL", ScriptedModel.MODEL,
                "NEXUS_LLM_BASE_URL", model.baseUrl()));
    LlmManager manager =
        LlmManager.start(
            config,
            new OpenAiModelClient(model.baseUrl(), null, Duration.ofSeconds(30), 2),
            telemetry.meterRegistry(),
            telemetry.openTelemetry());
    manager.awaitRunning(Duration.ofSeconds(90));
    return manager;
  }

  /** Everything a watcher of {@code session} hears, in arrival order. */
  static List<SemanticEvent> watch(
      SessionServiceGrpc.SessionServiceStub sessions, String session, List<String> order) {
    List<SemanticEvent> heard = new CopyOnWriteArrayList<>();
    sessions.watchSession(
        WatchSessionRequest.newBuilder().setId(session).build(),
        new StreamObserver<>() {
          @Override
          public void onNext(WatchSessionResponse value) {
            SessionEvent event = value.getEvent();
            if (event.hasAgentEvent()) {
              heard.add(event.getAgentEvent());
              order.add(session + ":" + event.getAgentEvent().getPayloadCase());
            }
          }

          @Override
          public void onError(Throwable t) {}

          @Override
          public void onCompleted() {}
        });
    return heard;
  }

  static boolean answered(List<SemanticEvent> chain) {
    return chain.stream().anyMatch(e -> e.hasTurnResponse() || e.hasTurnFailed());
  }

  static List<String> kinds(List<SemanticEvent> chain) {
    return chain.stream().map(e -> e.getPayloadCase().name()).toList();
  }

  /** Model tokens stored for a workflow ("" for sessions' agents), read from the database. */
  static long tokens(ControlPlaneHarness cp, String org, String workflowId) {
    return JdbcClient.create(cp.context.getBean(DataSource.class))
        .sql(
            "SELECT COALESCE(SUM(prompt_tokens + completion_tokens), 0) FROM usage_records"
                + " WHERE org = ? AND workflow_id = ? AND model = ?")
        .params(org, workflowId, ScriptedModel.MODEL)
        .query(Long.class)
        .single();
  }

  static String apiKey(ControlPlaneHarness cp, String admin) {
    return cp.as(ApiKeyServiceGrpc.newBlockingStub(cp.channel), admin)
        .createApiKey(CreateApiKeyRequest.newBuilder().setDisplayName("app").build())
        .getSecret();
  }

  static String newSession(SessionServiceGrpc.SessionServiceBlockingStub sessions, Agent agent) {
    return sessions
        .createSession(CreateSessionRequest.newBuilder().setAgent(agent).build())
        .getSession()
        .getId();
  }

  static void post(
      SessionServiceGrpc.SessionServiceBlockingStub sessions, String session, String message) {
    sessions.postSessionMessage(
        PostSessionMessageRequest.newBuilder().setId(session).setMessage(text(message)).build());
  }

  static Value text(String text) {
    return Value.newBuilder().setStringValue(text).build();
  }

  /** The first dead letter, read back from its topic. */
  static byte[] deadLetter(KafkaEndpoint kafka) {
    return readBack(kafka, Topics.DEFAULT.deadLetters(), record -> record.value());
  }

  /** The credential of the session's turn request, read back from the commands topic. */
  static String turnCredential(KafkaEndpoint kafka, String session) {
    return readBack(
        kafka,
        Topics.DEFAULT.commands(),
        record -> {
          if (!session.equals(record.key())) {
            return null;
          }
          try {
            SemanticEvent command = SemanticEvent.parseFrom(record.value());
            return command.hasTurnRequest() ? command.getTurnRequest().getCredential() : null;
          } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            return null; // not a command
          }
        });
  }

  /** The first committed record of {@code topic}, from its beginning, that {@code pick} maps. */
  private static <T> T readBack(
      KafkaEndpoint kafka,
      String topic,
      java.util.function.Function<
              org.apache.kafka.clients.consumer.ConsumerRecord<String, byte[]>, @Nullable T>
          pick) {
    try (var consumer =
        new KafkaConsumer<>(
            Map.<String, Object>of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                kafka.bootstrapServers(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                false),
            new StringDeserializer(),
            new ByteArrayDeserializer())) {
      var partitions =
          consumer.partitionsFor(topic).stream()
              .map(p -> new TopicPartition(p.topic(), p.partition()))
              .toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (System.nanoTime() < deadline) {
        for (var record : consumer.poll(Duration.ofMillis(200))) {
          T picked = pick.apply(record);
          if (picked != null) {
            return picked;
          }
        }
      }
      throw new AssertionError("nothing to read back from " + topic);
    }
  }
}
