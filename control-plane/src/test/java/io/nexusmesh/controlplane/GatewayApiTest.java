package io.nexusmesh.controlplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import com.google.protobuf.util.Durations;
import com.google.protobuf.util.Timestamps;
import io.grpc.Status;
import io.nexusmesh.api.controlplane.v1.AuditServiceGrpc;
import io.nexusmesh.api.controlplane.v1.Environment;
import io.nexusmesh.api.controlplane.v1.Gateway;
import io.nexusmesh.api.controlplane.v1.GatewayHealth;
import io.nexusmesh.api.controlplane.v1.GatewayServiceGrpc;
import io.nexusmesh.api.controlplane.v1.HeartbeatRequest;
import io.nexusmesh.api.controlplane.v1.ListAuditEventsRequest;
import io.nexusmesh.api.controlplane.v1.ListGatewaysRequest;
import io.nexusmesh.api.controlplane.v1.ListWorkflowUsageRequest;
import io.nexusmesh.api.controlplane.v1.RegisterGatewayRequest;
import io.nexusmesh.api.controlplane.v1.ReportUsageRequest;
import io.nexusmesh.api.controlplane.v1.UsageRecord;
import io.nexusmesh.runtime.auth.Audiences;
import io.nexusmesh.runtime.auth.DevTokenIssuer.TokenRequest;
import java.time.Duration;
import java.util.UUID;
import javax.sql.DataSource;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The gateway registry: gateways register, beat and report usage with a gateway service credential
 * only; operators list them, with health that turns when heartbeats stop.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GatewayApiTest {
  private ControlPlaneHarness cp;

  @BeforeAll
  void start() throws Exception {
    cp = ControlPlaneHarness.start("nexus.control-plane.gateway-heartbeat-interval=300ms");
  }

  @AfterAll
  void stop() throws Exception {
    cp.close();
  }

  private String gatewayToken(String org) {
    return cp.issuer.mint(
        TokenRequest.service(
            "service-account-gateway", org, Audiences.MANAGEMENT, Duration.ofHours(1), "gateway"));
  }

  private GatewayServiceGrpc.GatewayServiceBlockingStub gateways(String token) {
    return cp.as(GatewayServiceGrpc.newBlockingStub(cp.channel), token);
  }

  /** Executions stored for a workflow, read straight from the database. */
  private long executions(String org, String workflowId) {
    return JdbcClient.create(cp.context.getBean(DataSource.class))
        .sql(
            "SELECT COALESCE(SUM(executions), 0) FROM usage_records WHERE org = ? AND workflow_id = ?")
        .params(org, workflowId)
        .query(Long.class)
        .single();
  }

  private static RegisterGatewayRequest register(String id) {
    return RegisterGatewayRequest.newBuilder()
        .setGatewayId(id)
        .setEnvironment(Environment.ENVIRONMENT_DEV)
        .setAdminEndpoint("http://127.0.0.1:9090")
        .setBuildVersion("0.1.0")
        .build();
  }

  private GatewayHealth health(String org, String id) {
    return gateways(cp.token("op", org, "viewer"))
        .listGateways(ListGatewaysRequest.getDefaultInstance())
        .getGatewaysList()
        .stream()
        .filter(g -> g.getId().equals(id))
        .findFirst()
        .map(Gateway::getHealth)
        .orElseThrow();
  }

  @Test
  void registerBeatAndTurnUnhealthyWhenBeatsStop() {
    String org = "org-" + UUID.randomUUID();
    var self = gateways(gatewayToken(org));
    var registered = self.registerGateway(register("gw-1"));
    assertThat(registered.getGateway().getHealth()).isEqualTo(GatewayHealth.GATEWAY_HEALTH_HEALTHY);
    assertThat(Durations.toMillis(registered.getHeartbeatInterval())).isEqualTo(300);
    Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> health(org, "gw-1") == GatewayHealth.GATEWAY_HEALTH_UNHEALTHY);
    self.heartbeat(
        HeartbeatRequest.newBuilder().setGatewayId("gw-1").setAppliedGeneration(3).build());
    assertThat(health(org, "gw-1")).isEqualTo(GatewayHealth.GATEWAY_HEALTH_HEALTHY);

    assertThat(
            cp.as(AuditServiceGrpc.newBlockingStub(cp.channel), cp.token("a", org, "admin"))
                .listAuditEvents(ListAuditEventsRequest.getDefaultInstance())
                .getAuditEventsList())
        .extracting(e -> e.getResource())
        .containsExactly("gateways/gw-1");
    assertThat(
            gateways(cp.token("op", "org-" + UUID.randomUUID(), "admin"))
                .listGateways(ListGatewaysRequest.getDefaultInstance())
                .getGatewaysList())
        .isEmpty();
  }

  @Test
  void onlyAGatewayServiceCredentialMayRegister() {
    String org = "org-" + UUID.randomUUID();
    String personWithGatewayRole = cp.token("alice", org, "gateway", "admin");
    assertThat(
            ControlPlaneHarness.codeOf(
                () -> gateways(personWithGatewayRole).registerGateway(register("gw-x"))))
        .isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(
            ControlPlaneHarness.codeOf(
                () -> gateways(cp.token("bob", org, "admin")).registerGateway(register("gw-x"))))
        .isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(
            ControlPlaneHarness.codeOf(
                () ->
                    gateways(gatewayToken(org))
                        .heartbeat(
                            HeartbeatRequest.newBuilder()
                                .setGatewayId("never-registered")
                                .build())))
        .isEqualTo(Status.Code.NOT_FOUND);
  }

  @Test
  void usageIsRecordedForTheGatewaysOrgOnly() {
    String org = "org-" + UUID.randomUUID();
    var self = gateways(gatewayToken(org));
    self.registerGateway(register("gw-u"));
    UsageRecord record =
        UsageRecord.newBuilder()
            .setOrg(org)
            .setWorkflowId("hello")
            .setExecutions(7)
            .setNodeRuns(21)
            .setTotalDuration(Durations.fromMillis(1500))
            .build();
    self.reportUsage(
        ReportUsageRequest.newBuilder().setGatewayId("gw-u").addRecords(record).build());
    assertThat(executions(org, "hello")).isEqualTo(7);
    assertThat(
            ControlPlaneHarness.codeOf(
                () ->
                    self.reportUsage(
                        ReportUsageRequest.newBuilder()
                            .setGatewayId("gw-u")
                            .addRecords(record.toBuilder().setOrg("someone-else"))
                            .build())))
        .isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(executions("someone-else", "hello")).isZero();
  }

  @Test
  void usageIsSummedPerWorkflowForItsOrgOnly() {
    String org = "org-" + UUID.randomUUID();
    var self = gateways(gatewayToken(org));
    self.registerGateway(register("gw-s"));
    UsageRecord hello =
        UsageRecord.newBuilder()
            .setOrg(org)
            .setWorkflowId("hello")
            .setExecutions(3)
            .setNodeRuns(6)
            .setTotalDuration(Durations.fromMillis(900))
            .build();
    self.reportUsage(
        ReportUsageRequest.newBuilder()
            .setGatewayId("gw-s")
            .addRecords(hello)
            .addRecords(hello.toBuilder().setExecutions(2).setNodeRuns(4))
            .addRecords(hello.toBuilder().setWorkflowId("approval").setExecutions(1))
            .build());

    var usage =
        gateways(cp.token("vera", org, "viewer"))
            .listWorkflowUsage(ListWorkflowUsageRequest.getDefaultInstance())
            .getUsageList();
    assertThat(usage)
        .extracting(u -> u.getWorkflowId(), u -> u.getExecutions(), u -> u.getNodeRuns())
        .containsExactly(tuple("hello", 5L, 10L), tuple("approval", 1L, 6L));
    assertThat(Durations.toMillis(usage.get(0).getTotalDuration())).isEqualTo(1800);
    assertThat(
            gateways(cp.token("vera", "org-" + UUID.randomUUID(), "viewer"))
                .listWorkflowUsage(ListWorkflowUsageRequest.getDefaultInstance())
                .getUsageList())
        .isEmpty();
    assertThat(
            ControlPlaneHarness.codeOf(
                () ->
                    gateways(cp.token("vera", org, "viewer"))
                        .listWorkflowUsage(
                            ListWorkflowUsageRequest.newBuilder()
                                .setStartTime(Timestamps.fromSeconds(2_000_000_000L))
                                .setEndTime(Timestamps.fromSeconds(1_000_000_000L))
                                .build())))
        .isEqualTo(Status.Code.INVALID_ARGUMENT);
  }
}
