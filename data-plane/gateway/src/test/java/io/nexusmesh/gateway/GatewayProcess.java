package io.nexusmesh.gateway;

import com.google.protobuf.util.JsonFormat;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.nexusmesh.api.gateway.v1.ApiKeyHash;
import io.nexusmesh.api.gateway.v1.ApplyDeploymentRequest;
import io.nexusmesh.api.gateway.v1.DeployedWorkflow;
import io.nexusmesh.api.gateway.v1.GatewayAdminServiceGrpc;
import io.nexusmesh.api.gateway.v1.KeySet;
import io.nexusmesh.api.workflow.v1.WorkflowSpec;
import io.nexusmesh.runtime.auth.ApiKeys;
import io.nexusmesh.testing.Ports;
import io.nexusmesh.testing.RedisEndpoint;
import io.nexusmesh.testing.TestJvm;
import java.util.Map;

/** A gateway in its own JVM ({@link TestJvm}), with no control plane: tests push to it directly. */
record GatewayProcess(TestJvm jvm) {
  static GatewayProcess start(String id, RedisEndpoint redis, TestIssuer issuer) throws Exception {
    int port = Ports.freeLoopbackPort();
    return new GatewayProcess(
        TestJvm.start(
            id,
            GatewayMain.class,
            port,
            Map.of(
                "NEXUS_GATEWAY_ID", id,
                "NEXUS_GATEWAY_PORT", Integer.toString(port),
                "NEXUS_REDIS_URL", redis.uri(),
                "NEXUS_OIDC_ISSUER", issuer.uri().toString(),
                "NEXUS_CONTROL_PLANE_URL", "",
                "NEXUS_GATEWAY_LEASE_TTL", "2s",
                "NEXUS_GATEWAY_RATE_LIMIT_PER_KEY", "0",
                "NEXUS_GATEWAY_RATE_LIMIT_PER_ORG", "0",
                "NEXUS_GATEWAY_SHUTDOWN_TIMEOUT", "1s"),
            "-Xmx512m"));
  }

  Process process() {
    return jvm.process();
  }

  int port() {
    return jvm.port();
  }

  /**
   * Pushes {@code specJson} as workflow {@code workflowId} of {@code org} to this gateway, with
   * {@code key}'s hash, as the control plane would.
   */
  void deploy(
      TestIssuer issuer,
      String org,
      String workflowId,
      String specJson,
      ApiKeys.NewKey key,
      String... egressAllow)
      throws Exception {
    WorkflowSpec.Builder spec = WorkflowSpec.newBuilder();
    JsonFormat.parser().merge(specJson, spec);
    ManagedChannel channel =
        NettyChannelBuilder.forAddress("127.0.0.1", port()).usePlaintext().build();
    try {
      GatewayHarness.as(
              GatewayAdminServiceGrpc.newBlockingStub(channel), issuer.controlPlaneToken())
          .applyDeployment(
              ApplyDeploymentRequest.newBuilder()
                  .setGeneration(System.nanoTime())
                  .setDeployment(
                      DeployedWorkflow.newBuilder()
                          .setDeploymentId(workflowId)
                          .setOrg(org)
                          .setWorkflowId(workflowId)
                          .setVersion(1)
                          .setSpec(spec))
                  .setKeySet(
                      KeySet.newBuilder()
                          .setOrg(org)
                          .setGeneration(System.nanoTime())
                          .addAllEgressAllow(java.util.List.of(egressAllow))
                          .addApiKeys(
                              ApiKeyHash.newBuilder().setKeyId(key.id()).setSha256(key.sha256())))
                  .build());
    } finally {
      channel.shutdownNow();
    }
  }

  void stop() throws InterruptedException {
    jvm.stop();
  }
}
