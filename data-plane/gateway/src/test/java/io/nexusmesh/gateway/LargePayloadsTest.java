package io.nexusmesh.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import com.adobe.testing.s3mock.junit5.S3MockExtension;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.nexusmesh.api.gateway.v1.ExecuteRequest;
import io.nexusmesh.api.gateway.v1.Execution;
import io.nexusmesh.api.gateway.v1.ExecutionEvent;
import io.nexusmesh.api.gateway.v1.ExecutionStatus;
import io.nexusmesh.api.gateway.v1.GetExecutionRequest;
import io.nexusmesh.api.gateway.v1.SignalExecutionRequest;
import io.nexusmesh.api.gateway.v1.StartExecutionRequest;
import io.nexusmesh.api.gateway.v1.WatchExecutionRequest;
import io.nexusmesh.client.ErrorDetails;
import io.nexusmesh.testing.RedisEndpoint;
import io.nexusmesh.testing.RedisExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.ByteArrayCodec;
import org.redisson.client.codec.StringCodec;
import org.redisson.codec.CompositeCodec;
import org.redisson.config.Config;

/**
 * Large payloads through real gateways: inputs, step outputs and events above 256 KB go to the
 * object store — files (the embedded default) or S3 (S3Mock, a real S3-compatible server in this
 * JVM, through the AWS SDK) — while Redis holds small references; callers, watchers and a gateway
 * resuming the execution see the whole payloads; above the hard limit, a clear error.
 */
@ExtendWith(RedisExtension.class)
class LargePayloadsTest {
  @RegisterExtension
  static final S3MockExtension s3 =
      S3MockExtension.builder()
          .silent()
          .withSecureConnection(false)
          .withInitialBuckets("payloads")
          .build();

  private static final String DOUBLER =
      """
      {"nodes": [{"id": "twice", "transform": {"expression": "input.text + input.text"}},
                 {"id": "hold", "wait": {"signal": {"name": "go"}}},
                 {"id": "out", "transform": {"expression": "{'text': nodes.twice, 'size': size(nodes.twice)}"}}],
       "edges": [{"from": "twice", "to": "hold"}, {"from": "hold", "to": "out"}]}""";

  static GatewayHarness onFiles;
  static GatewayHarness alsoOnFiles;
  static GatewayHarness onS3;
  static GatewayHarness strict;
  static RedissonClient redis;
  static String org;

  @BeforeAll
  static void start(RedisEndpoint endpoint) {
    onFiles = GatewayHarness.start(endpoint);
    alsoOnFiles = GatewayHarness.start(endpoint);
    System.setProperty("aws.accessKeyId", "nexus-test");
    System.setProperty("aws.secretAccessKey", "nexus-test");
    onS3 =
        GatewayHarness.start(
            endpoint,
            "NEXUS_PAYLOAD_STORE=s3://payloads/nexus",
            "NEXUS_S3_ENDPOINT=http://127.0.0.1:" + s3.getHttpPort());
    strict = GatewayHarness.start(endpoint, "NEXUS_PAYLOAD_MAX=1048576");
    org = GatewayHarness.newOrg();
    for (GatewayHarness gateway : List.of(onFiles, alsoOnFiles, onS3, strict)) {
      gateway.deploy(org, "doubler", DOUBLER);
    }
    Config config = new Config();
    config.useSingleServer().setAddress(endpoint.uri());
    redis = Redisson.create(config);
  }

  @AfterAll
  static void stop() throws Exception {
    redis.shutdown();
    for (GatewayHarness gateway : List.of(strict, onS3, alsoOnFiles, onFiles)) {
      gateway.close();
    }
  }

  @Test
  void largeStepsLiveInFilesAndAnotherGatewayResumesThemWhole() {
    String text = "x".repeat(300_000);
    String id = start(onFiles, text);
    await().until(() -> get(onFiles, id).getStatus() == ExecutionStatus.EXECUTION_STATUS_RUNNING);
    await().untilAsserted(() -> assertThat(redisBytes(id, ":journal", "out:twice")).isNotNull());

    // Redis holds references, not the 300 KB input nor the 600 KB step output.
    assertThat(redisBytes(id, "", "execution").length).isLessThan(1024);
    assertThat(redisBytes(id, ":journal", "out:twice").length).isLessThan(1024);

    // Resumed on the other gateway, which reads the output back from the store.
    signal(alsoOnFiles, id);
    Execution done = awaitEnd(alsoOnFiles, id);
    assertThat(done.getStatus()).isEqualTo(ExecutionStatus.EXECUTION_STATUS_SUCCEEDED);
    assertThat(done.getOutput().getFieldsOrThrow("size").getNumberValue()).isEqualTo(600_000);
    assertThat(done.getOutput().getFieldsOrThrow("text").getStringValue()).isEqualTo(text + text);
    assertThat(done.getInput().getFieldsOrThrow("text").getStringValue()).isEqualTo(text);

    // Watchers get every event whole, the large ones included.
    List<ExecutionEvent> events = new ArrayList<>();
    onFiles
        .executions(org)
        .watchExecution(WatchExecutionRequest.newBuilder().setId(id).build())
        .forEachRemaining(e -> events.add(e.getEvent()));
    assertThat(events)
        .filteredOn(e -> e.hasNodeCompleted() && e.getNodeCompleted().getNodeId().equals("twice"))
        .singleElement()
        .satisfies(
            e -> assertThat(e.getNodeCompleted().getOutput().getStringValue()).hasSize(600_000));
  }

  @Test
  void onS3TheObjectsAreInTheBucket() {
    String text = "y".repeat(400_000);
    String id = start(onS3, text);
    signal(onS3, id);
    Execution done = awaitEnd(onS3, id);
    assertThat(done.getOutput().getFieldsOrThrow("text").getStringValue()).isEqualTo(text + text);
    List<String> keys =
        s3
            .createS3ClientV2()
            .listObjectsV2(b -> b.bucket("payloads").prefix("nexus/" + id + "/"))
            .contents()
            .stream()
            .map(o -> o.key())
            .toList();
    assertThat(keys).contains("nexus/" + id + "/execution", "nexus/" + id + "/out/twice");
    assertThat(redisBytes(id, "", "execution").length).isLessThan(1024);
  }

  @Test
  void anInputAboveTheLimitIsRefusedNamingTheField() {
    var error =
        catchThrowableOfType(
            StatusRuntimeException.class,
            () ->
                strict
                    .executions(org)
                    .execute(
                        ExecuteRequest.newBuilder()
                            .setWorkflow("doubler")
                            .setInput(input("z".repeat(1_200_000)))
                            .build()));
    assertThat(error.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(ErrorDetails.from(error).violations())
        .extracting(ErrorDetails.Violation::field)
        .containsExactly("input");
  }

  @Test
  void aStepOutputAboveTheLimitFailsItsStepClearly() {
    String id = start(strict, "w".repeat(700_000));
    Execution done = awaitEnd(strict, id);
    assertThat(done.getStatus()).isEqualTo(ExecutionStatus.EXECUTION_STATUS_FAILED);
    assertThat(done.getError().getMessage())
        .contains("the output of twice is")
        .contains("above the limit of 1048576 bytes");
  }

  @Test
  void smallPayloadsStayInRedis() throws Exception {
    String id = start(onFiles, "ab");
    await().untilAsserted(() -> assertThat(redisBytes(id, ":journal", "out:twice")).isNotNull());
    assertThat(Value.parseFrom(redisBytes(id, ":journal", "out:twice")).getStringValue())
        .isEqualTo("abab");
  }

  // ---- helpers ----

  private static Struct input(String text) {
    return Struct.newBuilder()
        .putFields("text", Value.newBuilder().setStringValue(text).build())
        .build();
  }

  private static String start(GatewayHarness gateway, String text) {
    return gateway
        .executions(org)
        .startExecution(
            StartExecutionRequest.newBuilder().setWorkflow("doubler").setInput(input(text)).build())
        .getExecution()
        .getId();
  }

  private static void signal(GatewayHarness gateway, String id) {
    gateway
        .executions(org)
        .signalExecution(SignalExecutionRequest.newBuilder().setId(id).setSignal("go").build());
  }

  private static Execution get(GatewayHarness gateway, String id) {
    return gateway
        .executions(org)
        .getExecution(GetExecutionRequest.newBuilder().setId(id).build())
        .getExecution();
  }

  private static Execution awaitEnd(GatewayHarness gateway, String id) {
    return await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () -> get(gateway, id), e -> e.getStatus() != ExecutionStatus.EXECUTION_STATUS_RUNNING);
  }

  /** A field of one of the execution's Redis hashes, as stored. */
  private static byte[] redisBytes(String id, String suffix, String field) {
    return redis
        .<String, byte[]>getMap(
            "nx:exec:{" + id + "}" + suffix,
            new CompositeCodec(StringCodec.INSTANCE, ByteArrayCodec.INSTANCE))
        .get(field);
  }
}
