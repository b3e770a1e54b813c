package io.nexusmesh.controlplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.protobuf.util.JsonFormat;
import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.nexusmesh.api.controlplane.v1.ApiKeyServiceGrpc;
import io.nexusmesh.api.controlplane.v1.CreateApiKeyRequest;
import io.nexusmesh.api.controlplane.v1.CreateDeploymentRequest;
import io.nexusmesh.api.controlplane.v1.CreateWorkflowRequest;
import io.nexusmesh.api.controlplane.v1.CreateWorkflowVersionRequest;
import io.nexusmesh.api.controlplane.v1.DeploymentServiceGrpc;
import io.nexusmesh.api.controlplane.v1.Environment;
import io.nexusmesh.api.controlplane.v1.Workflow;
import io.nexusmesh.api.controlplane.v1.WorkflowServiceGrpc;
import io.nexusmesh.api.gateway.v1.ExecuteRequest;
import io.nexusmesh.api.gateway.v1.ExecutionServiceGrpc;
import io.nexusmesh.api.workflow.v1.WorkflowSpec;
import io.nexusmesh.gateway.Gateway;
import io.nexusmesh.testing.PrometheusText;
import io.nexusmesh.testing.RedisEndpoint;
import io.nexusmesh.testing.RedisExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What operators see, read the way Prometheus and Kubernetes read it: the control plane's and a
 * gateway's {@code /metrics} scraped over HTTP and parsed by the Prometheus project's text-format
 * parser (the metric set's names and labels, and counts that move with traffic over gRPC, REST and
 * MCP); the health endpoints per dependency over HTTP and {@code grpc.health.v1}; and every PromQL
 * query of the dashboards and alerts under {@code k8s/observability} naming only metrics that
 * exist.
 *
 * <p>Start-up order: Redis (fixture), the control plane (H2, dev issuer), a gateway registered with
 * it.
 */
@ExtendWith(RedisExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ObservabilityTest {
  private static final String ORG = "observed";
  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private ControlPlaneHarness cp;
  private Gateway gateway;
  private ManagedChannel toGateway;
  private String key;

  @BeforeAll
  void start(RedisEndpoint redis) throws Exception {
    cp = ControlPlaneHarness.start("nexus.control-plane.gateway-heartbeat-interval=300ms");
    gateway =
        cp.startGateway(
            redis, ORG, "gw-observed-" + UUID.randomUUID().toString().substring(0, 6), "dev", true);
    toGateway = NettyChannelBuilder.forAddress("127.0.0.1", gateway.port()).usePlaintext().build();
    String admin = cp.token("ada", ORG, "admin");
    await().atMost(Duration.ofSeconds(20)).until(gateway::registered);
    var workflows = cp.as(WorkflowServiceGrpc.newBlockingStub(cp.channel), admin);
    workflows.createWorkflow(
        CreateWorkflowRequest.newBuilder()
            .setWorkflow(Workflow.newBuilder().setId("greet"))
            .build());
    WorkflowSpec.Builder spec = WorkflowSpec.newBuilder();
    JsonFormat.parser()
        .merge(
            """
            {"nodes": [{"id": "g", "transform": {"expression": "{'greeting': 'Hi, ' + input.name}"}}],
             "mode": "EXECUTION_MODE_EPHEMERAL"}""",
            spec);
    workflows.createWorkflowVersion(
        CreateWorkflowVersionRequest.newBuilder().setWorkflowId("greet").setSpec(spec).build());
    key =
        cp.as(ApiKeyServiceGrpc.newBlockingStub(cp.channel), admin)
            .createApiKey(CreateApiKeyRequest.newBuilder().setDisplayName("ops").build())
            .getSecret();
    var deployments = cp.as(DeploymentServiceGrpc.newBlockingStub(cp.channel), admin);
    String id =
        deployments
            .createDeployment(
                CreateDeploymentRequest.newBuilder()
                    .setWorkflowId("greet")
                    .setVersion(1)
                    .setEnvironment(Environment.ENVIRONMENT_DEV)
                    .build())
            .getDeployment()
            .getId();
    ControlPlaneHarness.awaitActive(deployments, id);
  }

  @AfterAll
  void stop() throws Exception {
    toGateway.shutdownNow();
    gateway.close();
    cp.close(); // closing twice is harmless
  }

  @Test
  @Order(1)
  void theMetricSetIsServedWithItsLabelsAndCountsMove() throws Exception {
    String mcpSession = mcpInitialize();
    traffic(mcpSession);
    PrometheusText before = scrape(gatewayUrl());
    traffic(mcpSession);
    PrometheusText after = scrape(gatewayUrl());

    for (String channel : List.of("grpc", "rest", "mcp")) {
      assertThat(
              after.sum(
                      "nexus_workflow_executions_total",
                      Map.of("workflow", "greet", "channel", channel))
                  - before.sum(
                      "nexus_workflow_executions_total",
                      Map.of("workflow", "greet", "channel", channel)))
          .as("executions started through %s", channel)
          .isEqualTo(2);
    }
    assertThat(
            after.sum("nexus_mcp_exec_total", Map.of("tool", "greet"))
                - before.sum("nexus_mcp_exec_total", Map.of("tool", "greet")))
        .isEqualTo(2);
    assertThat(after.sum("nexus_active_sessions", Map.of("channel", "mcp")))
        .isGreaterThanOrEqualTo(1);
    assertThat(after.type("nexus_active_sessions")).isEqualTo("gauge");
    assertThat(
            after.sum(
                    "nexus_requests_total",
                    Map.of(
                        "channel", "grpc", "method", "nexus.gateway.v1.ExecutionService/Execute"))
                - before.sum(
                    "nexus_requests_total",
                    Map.of(
                        "channel", "grpc", "method", "nexus.gateway.v1.ExecutionService/Execute")))
        .isGreaterThanOrEqualTo(3); // two runs and a refused call, at least
    assertThat(after.sum("nexus_requests_total", Map.of("channel", "mcp"))).isPositive();
    assertThat(
            after.sum("nexus_errors_total", Map.of("channel", "grpc", "type", "NOT_FOUND"))
                - before.sum("nexus_errors_total", Map.of("channel", "grpc", "type", "NOT_FOUND")))
        .isEqualTo(1);
    assertThat(after.type("nexus_request_duration_seconds")).isEqualTo("histogram");
    assertThat(after.labelSets("nexus_request_duration_seconds_count"))
        .extracting(labels -> labels.get("channel"))
        .contains("grpc", "rest", "mcp");
    assertThat(
            after.sum(
                "nexus_workflow_executions_ended_total",
                Map.of("workflow", "greet", "status", "EXECUTION_STATUS_SUCCEEDED")))
        .isGreaterThanOrEqualTo(12);

    // The control plane serves the same request metrics for its own API.
    PrometheusText controlPlane = scrape(cp.baseUrl());
    assertThat(controlPlane.sum("nexus_requests_total", Map.of("channel", "grpc"))).isPositive();
    assertThat(controlPlane.names())
        .contains("nexus_request_duration_seconds_bucket", "jvm_memory_used_bytes");

    // Each dependency: up, and how long its probes take (the gateway's Redis through Redisson).
    assertThat(after.sum("nexus_dependency_up", Map.of("dependency", "redis", "required", "true")))
        .isEqualTo(1);
    assertThat(after.sum("nexus_dependency_probe_seconds_count", Map.of("dependency", "redis")))
        .isPositive();
    assertThat(after.type("nexus_dependency_probe_seconds")).isEqualTo("histogram");
    assertThat(controlPlane.sum("nexus_dependency_up", Map.of("dependency", "database")))
        .isEqualTo(1);
  }

  @Test
  @Order(3) // last: it stops the control plane
  void healthNamesEveryDependencyOverHttpAndGrpc() throws Exception {
    JsonNode gatewayHealth =
        await()
            .atMost(Duration.ofSeconds(20))
            .until(
                () -> JSON.readTree(get(gatewayUrl() + "/health").body()),
                h -> h.path("status").asText().equals("UP"));
    assertThat(gatewayHealth.path("dependencies").path("redis").asText()).isEqualTo("UP");
    assertThat(gatewayHealth.path("dependencies").path("control-plane").asText()).isEqualTo("UP");
    assertThat(get(gatewayUrl() + "/health/ready").statusCode()).isEqualTo(200);
    JsonNode cpHealth =
        await()
            .atMost(Duration.ofSeconds(20))
            .until(
                () -> JSON.readTree(get(cp.baseUrl() + "/health").body()),
                h -> h.path("status").asText().equals("UP"));
    assertThat(cpHealth.path("dependencies").path("database").asText()).isEqualTo("UP");

    assertThat(
            health().check(HealthCheckRequest.newBuilder().setService("redis").build()).getStatus())
        .isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
    assertThat(health().check(HealthCheckRequest.getDefaultInstance()).getStatus())
        .isEqualTo(HealthCheckResponse.ServingStatus.SERVING);

    // The control plane goes away: the gateway says so, degraded, and stays ready: it serves on.
    cp.close();
    JsonNode alone =
        await()
            .atMost(Duration.ofSeconds(30))
            .until(
                () -> JSON.readTree(get(gatewayUrl() + "/health").body()),
                h -> h.path("dependencies").path("control-plane").asText().equals("DOWN"));
    assertThat(alone.path("status").asText()).isEqualTo("DEGRADED");
    assertThat(alone.path("dependencies").path("redis").asText()).isEqualTo("UP");
    assertThat(get(gatewayUrl() + "/health/ready").statusCode()).isEqualTo(200);
    assertThat(
            health()
                .check(HealthCheckRequest.newBuilder().setService("control-plane").build())
                .getStatus())
        .isEqualTo(HealthCheckResponse.ServingStatus.NOT_SERVING);
  }

  @Test
  @Order(2)
  void everyDashboardAndAlertQueryNamesAMetricTheComponentsServe() throws Exception {
    traffic(mcpInitialize());
    Set<String> served = new HashSet<>();
    served.addAll(scrape(gatewayUrl()).names());
    served.addAll(scrape(cp.baseUrl()).names());
    List<String> queries = new java.util.ArrayList<>(DashboardQueries.ofRules());
    queries.addAll(DashboardQueries.ofDashboard(DashboardQueries.MESH));
    assertThat(queries).hasSizeGreaterThanOrEqualTo(15);
    assertThat(DashboardQueries.unknownNames(queries, served))
        .as("metrics no component serves (served: %s)", served)
        .isEmpty();
    // Every dashboard is checked by a test: the mesh's here, the LLM manager's by AgentMeshTest.
    assertThat(DashboardQueries.dashboards())
        .containsExactlyInAnyOrder(DashboardQueries.MESH, DashboardQueries.LLM_MANAGER);
  }

  /** Two executions through each of gRPC, REST and MCP, and one refused call. */
  private void traffic(String mcpSession) throws Exception {
    var stub = cp.as(ExecutionServiceGrpc.newBlockingStub(toGateway), key);
    for (int i = 0; i < 2; i++) {
      stub.execute(
          ExecuteRequest.newBuilder()
              .setWorkflow("greet")
              .setInput(
                  Struct.newBuilder()
                      .putFields("name", Value.newBuilder().setStringValue("g").build()))
              .build());
      var rest =
          http.send(
              HttpRequest.newBuilder(URI.create(gatewayUrl() + "/v1/workflows/greet:execute"))
                  .header("authorization", "Bearer " + key)
                  .header("content-type", "application/json")
                  .POST(HttpRequest.BodyPublishers.ofString("{\"input\": {\"name\": \"r\"}}"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(rest.statusCode()).as(rest.body()).isEqualTo(200);
      var mcp =
          mcpPost(
              mcpSession,
              "{\"jsonrpc\": \"2.0\", \"id\": 1, \"method\": \"tools/call\", \"params\": {\"name\": \"greet\", \"arguments\": {\"name\": \"m\"}}}");
      assertThat(mcp.body()).contains("Hi, m");
    }
    assertThat(
            ControlPlaneHarness.codeOf(
                () -> stub.execute(ExecuteRequest.newBuilder().setWorkflow("missing").build())))
        .isEqualTo(io.grpc.Status.Code.NOT_FOUND);
  }

  private String mcpInitialize() throws Exception {
    var response =
        mcpPost(
            null,
            "{\"jsonrpc\": \"2.0\", \"id\": 0, \"method\": \"initialize\", \"params\": {\"protocolVersion\": \"2025-06-18\", \"capabilities\": {}, \"clientInfo\": {\"name\": \"ops\", \"version\": \"1\"}}}");
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return response.headers().firstValue("mcp-session-id").orElseThrow();
  }

  private HttpResponse<String> mcpPost(String session, String body) throws Exception {
    var request =
        HttpRequest.newBuilder(URI.create(gatewayUrl() + "/mcp"))
            .header("authorization", "Bearer " + key)
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream")
            .header("mcp-protocol-version", "2025-06-18");
    if (session != null) {
      request.header("mcp-session-id", session);
    }
    return http.send(
        request.POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private PrometheusText scrape(String base) throws Exception {
    var page = get(base + "/metrics");
    assertThat(page.statusCode()).isEqualTo(200);
    return PrometheusText.parse(page.body());
  }

  private HttpResponse<String> get(String url) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(url)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** The gateway's gRPC health service, with a deadline counted from each call. */
  private HealthGrpc.HealthBlockingStub health() {
    return HealthGrpc.newBlockingStub(toGateway)
        .withDeadlineAfter(5, java.util.concurrent.TimeUnit.SECONDS);
  }

  private String gatewayUrl() {
    return "http://127.0.0.1:" + gateway.port();
  }
}
