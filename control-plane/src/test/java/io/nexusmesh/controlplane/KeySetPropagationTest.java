package io.nexusmesh.controlplane;

import static io.nexusmesh.controlplane.ControlPlaneHarness.codeOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.protobuf.util.JsonFormat;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.nexusmesh.api.controlplane.v1.ApiKeyServiceGrpc;
import io.nexusmesh.api.controlplane.v1.CreateApiKeyRequest;
import io.nexusmesh.api.controlplane.v1.CreateDeploymentRequest;
import io.nexusmesh.api.controlplane.v1.CreateWorkflowRequest;
import io.nexusmesh.api.controlplane.v1.CreateWorkflowVersionRequest;
import io.nexusmesh.api.controlplane.v1.Deployment;
import io.nexusmesh.api.controlplane.v1.DeploymentServiceGrpc;
import io.nexusmesh.api.controlplane.v1.Environment;
import io.nexusmesh.api.controlplane.v1.Gateway;
import io.nexusmesh.api.controlplane.v1.GatewayHealth;
import io.nexusmesh.api.controlplane.v1.GatewayServiceGrpc;
import io.nexusmesh.api.controlplane.v1.HeartbeatRequest;
import io.nexusmesh.api.controlplane.v1.ListGatewaysRequest;
import io.nexusmesh.api.controlplane.v1.RegisterGatewayRequest;
import io.nexusmesh.api.controlplane.v1.RevokeApiKeyRequest;
import io.nexusmesh.api.controlplane.v1.Workflow;
import io.nexusmesh.api.controlplane.v1.WorkflowServiceGrpc;
import io.nexusmesh.api.gateway.v1.ApplyDeploymentRequest;
import io.nexusmesh.api.gateway.v1.ApplyKeySetRequest;
import io.nexusmesh.api.gateway.v1.ExecuteRequest;
import io.nexusmesh.api.gateway.v1.ExecutionServiceGrpc;
import io.nexusmesh.api.gateway.v1.GatewayAdminServiceGrpc;
import io.nexusmesh.api.gateway.v1.GetGatewayStateRequest;
import io.nexusmesh.api.workflow.v1.WorkflowSpec;
import io.nexusmesh.controlplane.deployment.PushRequests;
import io.nexusmesh.controlplane.deployment.RolloutPusher;
import io.nexusmesh.controlplane.store.DeploymentStore;
import io.nexusmesh.controlplane.store.GatewayStore;
import io.nexusmesh.testing.RedisEndpoint;
import io.nexusmesh.testing.RedisExtension;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * API key sets travel to gateways versioned by the organisation's key generation: a push built
 * before a key change never undoes one built after it, whatever order they arrive in; revocation
 * reaches every healthy gateway at once while another registered gateway is dead or hung; a gateway
 * that missed its heartbeats is no push target and is caught up by its next heartbeat.
 *
 * <p>Start-up order: Redis (fixture), the control plane (H2, dev issuer), then real gateways that
 * trust its issuer (registered with service-account tokens, or unregistered where the test sends
 * their registration and heartbeats itself).
 */
@ExtendWith(RedisExtension.class)
class KeySetPropagationTest {
  private static final String SPEC =
      """
      {"nodes": [{"id": "greet", "transform": {"expression": "{'greeting': '%s, ' + input.name + '!'}"}}]}""";

  @Test
  void revocationReachesLiveGatewaysAtOnceWhileOthersAreDeadOrHung(RedisEndpoint redis)
      throws Exception {
    String org = "keys-" + UUID.randomUUID().toString().substring(0, 6);
    try (var cp = ControlPlaneHarness.start("nexus.control-plane.gateway-heartbeat-interval=2s");
        var hung = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      List<io.nexusmesh.gateway.Gateway> live = new ArrayList<>();
      List<ManagedChannel> channels = new ArrayList<>();
      io.nexusmesh.gateway.Gateway dead = cp.startGateway(redis, org, "gw-dead", "dev", true);
      try {
        for (String id : List.of("gw-live-1", "gw-live-2")) {
          var gateway = cp.startGateway(redis, org, id, "dev", true);
          live.add(gateway);
          channels.add(channelTo(gateway.port()));
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> dead.registered());
        await()
            .atMost(Duration.ofSeconds(20))
            .until(() -> live.stream().allMatch(io.nexusmesh.gateway.Gateway::registered));
        String admin = cp.token("ada", org, "admin");
        deployHello(cp, admin, "Hello");
        // A gateway that accepts connections and never answers: pushes to it time out.
        cp.as(GatewayServiceGrpc.newBlockingStub(cp.channel), cp.gatewayToken(org, "gw-hung"))
            .registerGateway(
                RegisterGatewayRequest.newBuilder()
                    .setGatewayId("gw-hung")
                    .setEnvironment(Environment.ENVIRONMENT_DEV)
                    .setAdminEndpoint("http://127.0.0.1:" + hung.getLocalPort())
                    .build());
        var keys = cp.as(ApiKeyServiceGrpc.newBlockingStub(cp.channel), admin);
        var created =
            keys.createApiKey(CreateApiKeyRequest.newBuilder().setDisplayName("app").build());
        String key = created.getSecret();
        for (ManagedChannel channel : channels) {
          await()
              .atMost(Duration.ofSeconds(20))
              .until(() -> codeOf(() -> greet(cp, channel, key)) == Status.Code.OK);
        }

        dead.close(); // from the control plane's side, as good as SIGKILL: connections refused
        long began = System.nanoTime(); // before the revocation is even sent
        keys.revokeApiKey(
            RevokeApiKeyRequest.newBuilder().setId(created.getApiKey().getId()).build());
        await()
            .atMost(Duration.ofSeconds(10))
            .pollInterval(Duration.ofMillis(10))
            .until(
                () ->
                    channels.stream()
                        .allMatch(
                            c -> codeOf(() -> greet(cp, c, key)) == Status.Code.UNAUTHENTICATED));
        long millis = (System.nanoTime() - began) / 1_000_000;
        System.out.printf(
            "revocation refused by 2 live gateways %d ms after RevokeApiKey was sent"
                + " (one registered gateway killed, one hung)%n",
            millis);

        // The live gateways confirmed the current key generation; the others did not.
        await()
            .atMost(Duration.ofSeconds(10))
            .untilAsserted(
                () -> {
                  for (Gateway g : gateways(cp, admin)) {
                    boolean isLive = g.getId().startsWith("gw-live");
                    assertThat(g.getAppliedKeyGeneration() == g.getDesiredKeyGeneration())
                        .as(g.getId())
                        .isEqualTo(isLive);
                  }
                });
      } finally {
        channels.forEach(ManagedChannel::shutdownNow);
        live.forEach(io.nexusmesh.gateway.Gateway::close);
      }
    }
  }

  @Test
  void aPushBuiltBeforeAKeyChangeNeverUndoesOneBuiltAfterIt(RedisEndpoint redis) throws Exception {
    String org = "order-" + UUID.randomUUID().toString().substring(0, 6);
    try (var cp = ControlPlaneHarness.start()) {
      var gateway = cp.startGateway(redis, org, "gw-order", "dev", true);
      ManagedChannel channel = channelTo(gateway.port());
      try {
        await().atMost(Duration.ofSeconds(20)).until(gateway::registered);
        String admin = cp.token("ada", org, "admin");
        deployHello(cp, admin, "Hello");
        PushRequests requests = cp.context.getBean(PushRequests.class);
        DeploymentStore.Row row =
            cp.context
                .getBean(DeploymentStore.class)
                .current(org, "hello", Environment.ENVIRONMENT_DEV)
                .orElseThrow();
        var admin2gateway =
            cp.as(GatewayAdminServiceGrpc.newBlockingStub(channel), cp.controlPlaneToken());
        GatewayStore.Row gatewayRow =
            cp.context.getBean(GatewayStore.class).find(org, "gw-order").orElseThrow();

        ApplyDeploymentRequest builtBeforeCreate = requests.deployment(row, gatewayRow);
        var keys = cp.as(ApiKeyServiceGrpc.newBlockingStub(cp.channel), admin);
        var created =
            keys.createApiKey(CreateApiKeyRequest.newBuilder().setDisplayName("app").build());
        ApplyDeploymentRequest builtAfterCreate = requests.deployment(row, gatewayRow);
        assertThat(builtAfterCreate.getKeySet().getGeneration())
            .isGreaterThan(builtBeforeCreate.getKeySet().getGeneration());
        awaitIdle(cp, org, "gw-order");

        // Delivered out of order: the newer key set stays.
        admin2gateway.applyDeployment(builtAfterCreate);
        admin2gateway.applyDeployment(builtBeforeCreate);
        assertThat(codeOf(() -> greet(cp, channel, created.getSecret()))).isEqualTo(Status.Code.OK);

        ApplyKeySetRequest builtBeforeRevoke = requests.keySet(org, gatewayRow);
        keys.revokeApiKey(
            RevokeApiKeyRequest.newBuilder().setId(created.getApiKey().getId()).build());
        ApplyKeySetRequest builtAfterRevoke = requests.keySet(org, gatewayRow);
        awaitIdle(cp, org, "gw-order");
        admin2gateway.applyKeySet(builtAfterRevoke);
        admin2gateway.applyKeySet(builtBeforeRevoke);
        admin2gateway.applyDeployment(builtAfterCreate); // still holds the key, and is older
        assertThat(codeOf(() -> greet(cp, channel, created.getSecret())))
            .isEqualTo(Status.Code.UNAUTHENTICATED);
        var state =
            admin2gateway.getGatewayState(GetGatewayStateRequest.newBuilder().setOrg(org).build());
        assertThat(state.getKeySets(0).getGeneration())
            .isEqualTo(builtAfterRevoke.getKeySet().getGeneration());
        assertThat(state.getKeySets(0).getKeyCount()).isZero();

        // One generation names one content: the same generation with another is refused.
        var tampered = builtAfterCreate.toBuilder();
        tampered.getDeploymentBuilder().setDescription("something else");
        assertThat(codeOf(() -> admin2gateway.applyDeployment(tampered.build())))
            .isEqualTo(Status.Code.FAILED_PRECONDITION);
      } finally {
        channel.shutdownNow();
        gateway.close();
      }
    }
  }

  @Test
  void anUnhealthyGatewayIsNoPushTargetAndItsNextHeartbeatCatchesItUp(RedisEndpoint redis)
      throws Exception {
    String org = "beat-" + UUID.randomUUID().toString().substring(0, 6);
    try (var cp =
        ControlPlaneHarness.start("nexus.control-plane.gateway-heartbeat-interval=300ms")) {
      // Registered and beaten by the test itself, so it can fall silent and come back.
      var gateway = cp.startGateway(redis, org, "gw-quiet", "dev", false);
      ManagedChannel channel = channelTo(gateway.port());
      try {
        String admin = cp.token("ada", org, "admin");
        createHello(cp, admin, "Hello");
        var self =
            cp.as(GatewayServiceGrpc.newBlockingStub(cp.channel), cp.gatewayToken(org, "gw-quiet"));
        self.registerGateway(
            RegisterGatewayRequest.newBuilder()
                .setGatewayId("gw-quiet")
                .setEnvironment(Environment.ENVIRONMENT_DEV)
                .setAdminEndpoint("http://127.0.0.1:" + gateway.port())
                .build());
        Deployment first = deploy(cp, admin, 1);
        assertThat(first.getGatewaysList()).hasSize(1);
        awaitActive(cp, admin, first.getId());

        await()
            .atMost(Duration.ofSeconds(10))
            .until(
                () ->
                    gateways(cp, admin).get(0).getHealth()
                        == GatewayHealth.GATEWAY_HEALTH_UNHEALTHY);
        var keys = cp.as(ApiKeyServiceGrpc.newBlockingStub(cp.channel), admin);
        String key =
            keys.createApiKey(CreateApiKeyRequest.newBuilder().setDisplayName("app").build())
                .getSecret();
        var workflows = cp.as(WorkflowServiceGrpc.newBlockingStub(cp.channel), admin);
        workflows.createWorkflowVersion(version("Howdy"));
        Deployment second = deploy(cp, admin, 2);
        // Nothing was queued for it (the enqueueing happens before the calls return), so nothing
        // reached it: the new key is unknown there and the new deployment has no target.
        assertThat(cp.context.getBean(RolloutPusher.class).idle(org, "gw-quiet")).isTrue();
        assertThat(codeOf(() -> greet(cp, channel, key))).isEqualTo(Status.Code.UNAUTHENTICATED);
        assertThat(second.getGatewaysList()).isEmpty();

        var held =
            cp.as(GatewayAdminServiceGrpc.newBlockingStub(channel), cp.controlPlaneToken())
                .getGatewayState(GetGatewayStateRequest.newBuilder().setOrg(org).build());
        self.heartbeat(
            HeartbeatRequest.newBuilder()
                .setGatewayId("gw-quiet")
                .putKeyGenerations(org, held.getKeySets(0).getGeneration())
                .addDeploymentIds(first.getId())
                .build());
        await()
            .atMost(Duration.ofSeconds(10))
            .until(() -> codeOf(() -> greet(cp, channel, key)) == Status.Code.OK);
        await()
            .atMost(Duration.ofSeconds(10))
            .until(() -> greet(cp, channel, key).equals("Howdy, Ada!"));
      } finally {
        channel.shutdownNow();
        gateway.close();
      }
    }
  }

  private static void awaitIdle(ControlPlaneHarness cp, String org, String gatewayId) {
    RolloutPusher pusher = cp.context.getBean(RolloutPusher.class);
    await().atMost(Duration.ofSeconds(10)).until(() -> pusher.idle(org, gatewayId));
  }

  private static List<Gateway> gateways(ControlPlaneHarness cp, String admin) {
    return cp.as(GatewayServiceGrpc.newBlockingStub(cp.channel), admin)
        .listGateways(ListGatewaysRequest.getDefaultInstance())
        .getGatewaysList();
  }

  private static void createHello(ControlPlaneHarness cp, String admin, String salutation)
      throws Exception {
    var workflows = cp.as(WorkflowServiceGrpc.newBlockingStub(cp.channel), admin);
    workflows.createWorkflow(
        CreateWorkflowRequest.newBuilder()
            .setWorkflow(Workflow.newBuilder().setId("hello").setDescription("Greets someone"))
            .build());
    workflows.createWorkflowVersion(version(salutation));
  }

  private static void deployHello(ControlPlaneHarness cp, String admin, String salutation)
      throws Exception {
    createHello(cp, admin, salutation);
    awaitActive(cp, admin, deploy(cp, admin, 1).getId());
  }

  private static Deployment deploy(ControlPlaneHarness cp, String admin, long version) {
    return cp.as(DeploymentServiceGrpc.newBlockingStub(cp.channel), admin)
        .createDeployment(
            CreateDeploymentRequest.newBuilder()
                .setWorkflowId("hello")
                .setVersion(version)
                .setEnvironment(Environment.ENVIRONMENT_DEV)
                .build())
        .getDeployment();
  }

  private static void awaitActive(ControlPlaneHarness cp, String admin, String deploymentId) {
    ControlPlaneHarness.awaitActive(
        cp.as(DeploymentServiceGrpc.newBlockingStub(cp.channel), admin), deploymentId);
  }

  private static CreateWorkflowVersionRequest version(String salutation) throws Exception {
    WorkflowSpec.Builder spec = WorkflowSpec.newBuilder();
    JsonFormat.parser().merge(SPEC.formatted(salutation), spec);
    return CreateWorkflowVersionRequest.newBuilder().setWorkflowId("hello").setSpec(spec).build();
  }

  private static ManagedChannel channelTo(int port) {
    return NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
  }

  /** Runs hello with {@code key} on the gateway behind {@code channel}; its greeting. */
  private static String greet(ControlPlaneHarness cp, ManagedChannel channel, String key) {
    return cp.as(ExecutionServiceGrpc.newBlockingStub(channel), key)
        .execute(
            ExecuteRequest.newBuilder()
                .setWorkflow("hello")
                .setInput(
                    Struct.newBuilder()
                        .putFields("name", Value.newBuilder().setStringValue("Ada").build()))
                .build())
        .getOutput()
        .getFieldsOrThrow("greeting")
        .getStringValue();
  }
}
