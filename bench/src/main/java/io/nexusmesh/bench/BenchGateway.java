package io.nexusmesh.bench;

import com.google.protobuf.util.JsonFormat;
import io.nexusmesh.api.gateway.v1.ApiKeyHash;
import io.nexusmesh.api.gateway.v1.ApplyDeploymentRequest;
import io.nexusmesh.api.gateway.v1.DeployedWorkflow;
import io.nexusmesh.api.gateway.v1.KeySet;
import io.nexusmesh.api.workflow.v1.WorkflowSpec;
import io.nexusmesh.gateway.Gateway;
import io.nexusmesh.gateway.GatewayConfig;
import io.nexusmesh.runtime.auth.ApiKeys;
import java.net.ServerSocket;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import redis.embedded.RedisServer;

/**
 * A real gateway for a benchmark: its own {@code redis-server} (no persistence), rate limits on but
 * set high enough (a million calls/s per key and per org) that the load never reaches them, no
 * control plane; workflows are deployed straight through its admin API, as the control plane pushes
 * them, runnable with one API key of org {@value #ORG}.
 */
final class BenchGateway implements AutoCloseable {
  static final String ORG = "bench";

  private final RedisServer redis;
  private final int redisPort;
  final Gateway gateway;
  final ApiKeys.NewKey key = ApiKeys.generate();
  private final java.util.List<String> egressAllow = new java.util.ArrayList<>();
  private final java.util.List<io.nexusmesh.api.gateway.v1.PanelRoute> panels =
      new java.util.ArrayList<>();
  private long generation;
  private io.grpc.@Nullable ManagedChannel channel;

  private BenchGateway(RedisServer redis, int redisPort, Gateway gateway) {
    this.redis = redis;
    this.redisPort = redisPort;
    this.gateway = gateway;
  }

  /** The Redis the gateway uses. */
  String redisUri() {
    return "redis://127.0.0.1:" + redisPort;
  }

  /** Lets the org's workflows reach {@code destination} (sent with the next key set). */
  void allowEgress(String destination) {
    egressAllow.add(destination);
  }

  /** Routes the org's panel (its invoke key already sealed to this gateway) and applies it. */
  void addPanel(io.nexusmesh.api.gateway.v1.PanelRoute route) {
    panels.add(route);
    gateway.deployments().applyKeySet(keySet(++generation));
  }

  private KeySet keySet(long at) {
    var set =
        KeySet.newBuilder()
            .setOrg(ORG)
            .setGeneration(at)
            .addApiKeys(ApiKeyHash.newBuilder().setKeyId(key.id()).setSha256(key.sha256()))
            .addAllEgressAllow(egressAllow)
            .addAllPanels(panels);
    if (!panels.isEmpty()) {
      set.setSecretsRecipient(
          io.nexusmesh.runtime.secrets.SecretSealing.fingerprint(
              gateway.deployments().secretsPublicKey()));
    }
    return set.build();
  }

  static BenchGateway start() throws Exception {
    return start(false);
  }

  /**
   * A gateway on its own {@code redis-server}: without persistence, or ({@code fsyncAlways}) with
   * an append-only file synced to disk before each write is acknowledged ({@code appendfsync
   * always}), the most a Redis can promise that an acknowledged step survives a power cut.
   */
  static BenchGateway start(boolean fsyncAlways) throws Exception {
    return start(fsyncAlways, Map.of());
  }

  /** {@link #start(boolean)} with gateway settings ({@code NEXUS_*}) added or replaced. */
  static BenchGateway start(boolean fsyncAlways, Map<String, String> settings) throws Exception {
    int redisPort = freePort();
    var builder = RedisServer.builder().bind("127.0.0.1").port(redisPort).setting("save \"\"");
    if (fsyncAlways) {
      java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("nexus-bench-redis");
      builder.setting("dir " + dir).setting("appendonly yes").setting("appendfsync always");
    } else {
      builder.setting("appendonly no");
    }
    RedisServer redis = builder.build();
    redis.start();
    var env =
        new java.util.HashMap<>(
            Map.of(
                "NEXUS_GATEWAY_PORT", "0",
                "NEXUS_GATEWAY_ID", "gw-bench",
                "NEXUS_REDIS_URL", "redis://127.0.0.1:" + redisPort,
                "NEXUS_CONTROL_PLANE_URL", "",
                "NEXUS_GATEWAY_RATE_LIMIT_PER_KEY", "1000000",
                "NEXUS_GATEWAY_RATE_LIMIT_PER_ORG", "1000000",
                "NEXUS_GATEWAY_SHUTDOWN_TIMEOUT", "1s"));
    env.putAll(settings);
    Gateway gateway = Gateway.start(GatewayConfig.fromEnvironment(env));
    return new BenchGateway(redis, redisPort, gateway);
  }

  /** {@code used_memory} of the gateway's Redis, from {@code INFO memory}. */
  long redisUsedMemory() {
    var config = new org.redisson.config.Config();
    config.useSingleServer().setAddress(redisUri());
    org.redisson.api.RedissonClient client = org.redisson.Redisson.create(config);
    try {
      return Long.parseLong(
          client
              .getRedisNodes(org.redisson.api.redisnode.RedisNodes.SINGLE)
              .getInstance()
              .info(org.redisson.api.redisnode.RedisNode.InfoSection.MEMORY)
              .get("used_memory"));
    } finally {
      client.shutdown();
    }
  }

  int port() {
    return gateway.port();
  }

  /**
   * A blocking ExecutionService stub over gRPC, sending {@link #key}; its channel closes with this.
   */
  synchronized io.nexusmesh.api.gateway.v1.ExecutionServiceGrpc.ExecutionServiceBlockingStub
      executions() {
    if (channel == null) {
      channel =
          io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder.forAddress("127.0.0.1", port())
              .usePlaintext()
              .build();
    }
    return io.nexusmesh.api.gateway.v1.ExecutionServiceGrpc.newBlockingStub(channel)
        .withInterceptors(io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(bearer()));
  }

  /** {@code authorization: Bearer <key>}, as gRPC metadata. */
  io.grpc.Metadata bearer() {
    io.grpc.Metadata auth = new io.grpc.Metadata();
    auth.put(
        io.grpc.Metadata.Key.of("authorization", io.grpc.Metadata.ASCII_STRING_MARSHALLER),
        "Bearer " + key.secret());
    return auth;
  }

  /** Deploys workflow {@code id} with the spec given as JSON, runnable with {@link #key}. */
  void deploy(String id, String specJson) throws Exception {
    WorkflowSpec.Builder spec = WorkflowSpec.newBuilder();
    JsonFormat.parser().merge(specJson, spec);
    gateway
        .deployments()
        .apply(
            ApplyDeploymentRequest.newBuilder()
                .setGeneration(++generation)
                .setDeployment(
                    DeployedWorkflow.newBuilder()
                        .setDeploymentId("bench-" + id)
                        .setOrg(ORG)
                        .setWorkflowId(id)
                        .setVersion(1)
                        .setSpec(spec))
                .setKeySet(keySet(generation))
                .build());
  }

  static int freePort() throws Exception {
    try (var socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  @Override
  public void close() {
    synchronized (this) {
      if (channel != null) {
        channel.shutdownNow();
      }
    }
    gateway.close();
    redis.stop();
  }
}
