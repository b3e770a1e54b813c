package io.nexusmesh.gateway;

import static org.awaitility.Awaitility.await;

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
import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** A gateway in its own JVM, started from this module's test classpath, checked on /health. */
record GatewayProcess(Process process, int port) {
  static GatewayProcess start(String id, RedisEndpoint redis, TestIssuer issuer) throws Exception {
    int port = Ports.freeLoopbackPort();
    String classpath =
        String.join(
            File.pathSeparator,
            "target/classes",
            "target/test-classes",
            Files.readString(Path.of("target/test-classpath.txt")).trim());
    Path log = Path.of("target", id + ".log");
    ProcessBuilder builder =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m",
                "-cp",
                classpath,
                GatewayMain.class.getName())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    Map<String, String> env = builder.environment();
    env.put("NEXUS_GATEWAY_ID", id);
    env.put("NEXUS_GATEWAY_PORT", Integer.toString(port));
    env.put("NEXUS_REDIS_URL", redis.uri());
    env.put("NEXUS_OIDC_ISSUER", issuer.uri().toString());
    env.put("NEXUS_CONTROL_PLANE_URL", "");
    env.put("NEXUS_GATEWAY_LEASE_TTL", "2s");
    env.put("NEXUS_GATEWAY_RATE_LIMIT_PER_KEY", "0");
    env.put("NEXUS_GATEWAY_RATE_LIMIT_PER_ORG", "0");
    env.put("NEXUS_GATEWAY_SHUTDOWN_TIMEOUT", "1s");
    Process process = builder.start();
    HttpClient http = io.nexusmesh.testing.TestHttp.client();
    await()
        .atMost(Duration.ofSeconds(60))
        .ignoreExceptions()
        .until(
            () -> {
              if (!process.isAlive()) {
                throw new AssertionError(id + " exited: " + Files.readString(log));
              }
              return http.send(
                          java.net.http.HttpRequest.newBuilder(
                                  URI.create("http://127.0.0.1:" + port + "/health"))
                              .build(),
                          java.net.http.HttpResponse.BodyHandlers.discarding())
                      .statusCode()
                  == 200;
            });
    return new GatewayProcess(process, port);
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
        NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
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
    process.destroy();
    if (!process.waitFor(20, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
  }
}
