package io.nexusmesh.gateway;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Struct;
import com.google.protobuf.util.JsonFormat;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.AbstractStub;
import io.grpc.stub.MetadataUtils;
import io.nexusmesh.api.gateway.v1.ApiKeyHash;
import io.nexusmesh.api.gateway.v1.ApplyDeploymentRequest;
import io.nexusmesh.api.gateway.v1.DeployedWorkflow;
import io.nexusmesh.api.gateway.v1.ExecutionServiceGrpc;
import io.nexusmesh.api.gateway.v1.GatewayAdminServiceGrpc;
import io.nexusmesh.api.gateway.v1.KeySet;
import io.nexusmesh.api.workflow.v1.WorkflowSpec;
import io.nexusmesh.runtime.auth.ApiKeys;
import io.nexusmesh.testing.RedisEndpoint;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A real gateway on a free port, against the test run's Redis and the shared {@link TestIssuer},
 * with helpers to deploy workflows through its admin service (as the control plane does) and to
 * call it as an API-key holder over a grpc-java channel.
 */
final class GatewayHarness implements AutoCloseable {
  private static final AtomicLong GENERATION = new AtomicLong();

  final Gateway gateway;
  final ManagedChannel channel;
  final TestIssuer issuer = TestIssuer.shared();
  // One key per org for the whole test JVM, so gateways sharing a Redis accept the same keys.
  private static final Map<String, ApiKeys.NewKey> keys =
      new java.util.concurrent.ConcurrentHashMap<>();

  // Destinations each org allows beyond the default egress policy, shipped with every deployment.
  private final Map<String, java.util.List<String>> egress =
      new java.util.concurrent.ConcurrentHashMap<>();

  private GatewayHarness(Gateway gateway) {
    this.gateway = gateway;
    this.channel =
        NettyChannelBuilder.forAddress("127.0.0.1", gateway.port()).usePlaintext().build();
  }

  static GatewayHarness start(RedisEndpoint redis, String... env) {
    Map<String, String> settings = new HashMap<>();
    settings.put("NEXUS_GATEWAY_PORT", "0");
    settings.put("NEXUS_GATEWAY_ID", "gw-test-" + UUID.randomUUID().toString().substring(0, 8));
    settings.put("NEXUS_REDIS_URL", redis.uri());
    settings.put("NEXUS_OIDC_ISSUER", TestIssuer.shared().uri().toString());
    settings.put("NEXUS_CONTROL_PLANE_URL", "");
    settings.put("NEXUS_GATEWAY_LEASE_TTL", "2s");
    settings.put("NEXUS_GATEWAY_SHUTDOWN_TIMEOUT", "1s");
    settings.put("NEXUS_PAYLOAD_STORE", PAYLOADS.toString());
    for (String kv : env) {
      String[] parts = kv.split("=", 2);
      settings.put(parts[0], parts[1]);
    }
    return new GatewayHarness(Gateway.start(GatewayConfig.fromEnvironment(settings)));
  }

  // One payload store per test JVM, as gateways of one fleet share theirs.
  private static final java.nio.file.Path PAYLOADS = payloadDirectory();

  private static java.nio.file.Path payloadDirectory() {
    try {
      return java.nio.file.Files.createTempDirectory("nexus-payloads");
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** The engine's payload policy on the test JVM's store: 256 KB to Redis, 8 MB at most. */
  static io.nexusmesh.gateway.payload.Payloads payloads() {
    return new io.nexusmesh.gateway.payload.Payloads(
        new io.nexusmesh.gateway.payload.FilePayloadStore(PAYLOADS), 256 * 1024, 8 * 1024 * 1024);
  }

  /** A fresh organisation name, so tests never see each other's data or rate limits. */
  static String newOrg() {
    return "org-" + UUID.randomUUID().toString().substring(0, 8);
  }

  /** The API key of {@code org}, minted on first use and shipped with every deployment. */
  String apiKey(String org) {
    return keys.computeIfAbsent(org, o -> ApiKeys.generate()).secret();
  }

  /** Lets {@code org}'s workflows reach {@code destination} (from its next deployment on). */
  void allowEgress(String org, String destination) {
    egress
        .computeIfAbsent(org, o -> new java.util.concurrent.CopyOnWriteArrayList<>())
        .add(destination);
  }

  /**
   * Deploys {@code specJson} (protobuf JSON of a WorkflowSpec) as {@code workflowId} of {@code
   * org}.
   */
  void deploy(String org, String workflowId, String specJson) {
    WorkflowSpec.Builder spec = WorkflowSpec.newBuilder();
    try {
      JsonFormat.parser().merge(specJson, spec);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalArgumentException(e);
    }
    apiKey(org);
    var deployment =
        DeployedWorkflow.newBuilder()
            .setDeploymentId("d" + GENERATION.incrementAndGet())
            .setOrg(org)
            .setWorkflowId(workflowId)
            .setVersion(1)
            .setSpec(spec);
    var keySet =
        KeySet.newBuilder()
            .setOrg(org)
            .setGeneration(GENERATION.incrementAndGet())
            .addAllEgressAllow(egress.getOrDefault(org, java.util.List.of()));
    synchronized (this) {
      keys.forEach(
          (o, key) -> {
            if (o.equals(org)) {
              keySet.addApiKeys(ApiKeyHash.newBuilder().setKeyId(key.id()).setSha256(key.sha256()));
            }
          });
    }
    as(GatewayAdminServiceGrpc.newBlockingStub(channel), issuer.controlPlaneToken())
        .applyDeployment(
            ApplyDeploymentRequest.newBuilder()
                .setDeployment(deployment)
                .setGeneration(GENERATION.incrementAndGet())
                .setKeySet(keySet)
                .build());
  }

  /** The execution API as {@code org}'s API key holder. */
  ExecutionServiceGrpc.ExecutionServiceBlockingStub executions(String org) {
    return as(ExecutionServiceGrpc.newBlockingStub(channel), apiKey(org));
  }

  /** {@code stub} sending {@code Authorization: Bearer <credential>}, with a 30 s deadline. */
  static <S extends AbstractStub<S>> S as(S stub, String credential) {
    var headers = new Metadata();
    headers.put(
        Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + credential);
    return stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
        .withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  static Struct json(String json) {
    Struct.Builder struct = Struct.newBuilder();
    try {
      JsonFormat.parser().merge(json, struct);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalArgumentException(e);
    }
    return struct.build();
  }

  /** The status code a call ends with: OK, or the code of the StatusRuntimeException it threw. */
  static Status.Code codeOf(Runnable call) {
    try {
      call.run();
      return Status.Code.OK;
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode();
    }
  }

  String baseUrl() {
    return "http://127.0.0.1:" + gateway.port();
  }

  @Override
  public void close() throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    gateway.close();
  }
}
