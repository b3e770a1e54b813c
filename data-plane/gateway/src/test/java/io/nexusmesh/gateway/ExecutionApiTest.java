package io.nexusmesh.gateway;

import static io.nexusmesh.gateway.GatewayHarness.as;
import static io.nexusmesh.gateway.GatewayHarness.codeOf;
import static io.nexusmesh.gateway.GatewayHarness.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.linecorp.armeria.client.grpc.GrpcClients;
import com.linecorp.armeria.common.auth.AuthToken;
import com.linecorp.armeria.common.grpc.GrpcSerializationFormats;
import io.grpc.Status;
import io.nexusmesh.api.gateway.v1.ApplyDeploymentRequest;
import io.nexusmesh.api.gateway.v1.DeployedWorkflow;
import io.nexusmesh.api.gateway.v1.ExecuteRequest;
import io.nexusmesh.api.gateway.v1.ExecuteResponse;
import io.nexusmesh.api.gateway.v1.ExecutionEvent;
import io.nexusmesh.api.gateway.v1.ExecutionServiceGrpc;
import io.nexusmesh.api.gateway.v1.ExecutionStatus;
import io.nexusmesh.api.gateway.v1.GatewayAdminServiceGrpc;
import io.nexusmesh.api.gateway.v1.GetExecutionRequest;
import io.nexusmesh.api.gateway.v1.GetGatewayStateRequest;
import io.nexusmesh.api.gateway.v1.ListExecutionsRequest;
import io.nexusmesh.api.gateway.v1.WatchExecutionRequest;
import io.nexusmesh.api.gateway.v1.WatchExecutionResponse;
import io.nexusmesh.api.workflow.v1.WorkflowSpec;
import io.nexusmesh.client.ErrorDetails;
import io.nexusmesh.testing.RedisEndpoint;
import io.nexusmesh.testing.RedisExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The execution API as callers use it: grpc-java, REST (JSON transcoding) with a real HTTP client,
 * gRPC-Web with Armeria's client, the event stream over gRPC and SSE; credentials of the wrong
 * plane and of other organisations; schema violations; rate limits; pagination.
 */
@ExtendWith(RedisExtension.class)
class ExecutionApiTest {
  static final String HELLO =
      """
      {"nodes": [{"id": "greet", "transform": {"expression": "{'greeting': 'Hello, ' + input.name + '!'}"}}],
       "inputSchema": {"type": "object", "required": ["name"],
                       "properties": {"name": {"type": "string", "minLength": 1}}}}""";

  static GatewayHarness harness;
  static String org;
  static final HttpClient http = io.nexusmesh.testing.TestHttp.client();

  @BeforeAll
  static void start(RedisEndpoint redis) {
    harness = GatewayHarness.start(redis, "NEXUS_GATEWAY_RATE_LIMIT_PER_KEY=0");
    org = GatewayHarness.newOrg();
    harness.deploy(org, "hello", HELLO);
  }

  @AfterAll
  static void stop() throws InterruptedException {
    harness.close();
  }

  private HttpResponse<String> post(String path, String credential, String body) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(harness.baseUrl() + path))
            .header("authorization", "Bearer " + credential)
            .header("content-type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void restExecuteReturnsTheOutput() throws Exception {
    var response =
        post(
            "/v1/workflows/hello:execute", harness.apiKey(org), "{\"input\": {\"name\": \"Ada\"}}");
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body())
        .contains("\"output\":{\"greeting\":\"Hello, Ada!\"}")
        .contains("EXECUTION_STATUS_SUCCEEDED");
  }

  @Test
  void executeAnswersRunningWithTheIdWhenTheRunOutlivesTheCallsDeadline() {
    harness.deploy(
        org,
        "waits",
        """
        {"nodes": [{"id": "hold", "wait": {"signal": {"name": "go"}}}]}""");
    var stub = harness.executions(org).withDeadlineAfter(1500, TimeUnit.MILLISECONDS);
    ExecuteResponse response =
        stub.execute(ExecuteRequest.newBuilder().setWorkflow("waits").build());
    assertThat(response.getStatus()).isEqualTo(ExecutionStatus.EXECUTION_STATUS_RUNNING);
    assertThat(
            harness
                .executions(org)
                .getExecution(
                    GetExecutionRequest.newBuilder().setId(response.getExecutionId()).build())
                .getExecution()
                .getStatus())
        .isEqualTo(ExecutionStatus.EXECUTION_STATUS_RUNNING);
  }

  @Test
  void grpcWebExecuteWorksForBrowsers() {
    var stub =
        GrpcClients.builder("http://127.0.0.1:" + harness.gateway.port())
            .serializationFormat(GrpcSerializationFormats.PROTO_WEB)
            .auth(AuthToken.ofOAuth2(harness.apiKey(org)))
            .build(ExecutionServiceGrpc.ExecutionServiceBlockingStub.class);
    ExecuteResponse response =
        stub.execute(
            ExecuteRequest.newBuilder()
                .setWorkflow("workflows/hello")
                .setInput(json("{\"name\":\"Web\"}"))
                .build());
    assertThat(response.getOutput()).isEqualTo(json("{\"greeting\": \"Hello, Web!\"}"));
  }

  @Test
  void inputNotMatchingTheSchemaIsInvalidArgumentWithFieldViolations() throws Exception {
    var error =
        catchThrowable(
            () ->
                harness
                    .executions(org)
                    .execute(
                        ExecuteRequest.newBuilder()
                            .setWorkflow("hello")
                            .setInput(json("{\"name\": 7}"))
                            .build()));
    ErrorDetails details = ErrorDetails.from(error);
    assertThat(details.code()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(details.violations())
        .extracting(ErrorDetails.Violation::field)
        .containsExactly("input.name");

    var missing = post("/v1/workflows/hello:execute", harness.apiKey(org), "{\"input\": {}}");
    assertThat(missing.statusCode()).isEqualTo(400);
    assertThat(missing.body()).contains("\"field\":\"input.name\"");
  }

  @Test
  void badRequestsAreRejectedBeforeAnythingRuns() throws Exception {
    var badId = post("/v1/workflows/Not_Valid:execute", harness.apiKey(org), "{}");
    assertThat(badId.statusCode()).isEqualTo(400);
    var unknownField = post("/v1/workflows/hello:execute", harness.apiKey(org), "{\"inptu\": {}}");
    assertThat(unknownField.statusCode()).isEqualTo(400);
    assertThat(unknownField.body()).doesNotContain("Exception").doesNotContain("at io.");
    // The gateway names the field and the problem, as the control plane does.
    assertThat(unknownField.body())
        .contains("invalid inptu: unknown field of nexus.gateway.v1.ExecuteRequest")
        .contains("\"field\":\"inptu\"");
    var wrongType =
        post(
            "/v1/workflows/hello:execute",
            harness.apiKey(org),
            "{\"input\": {}, \"sessionId\": {\"a\": 1}}");
    assertThat(wrongType.statusCode()).isEqualTo(400);
    assertThat(wrongType.body())
        .contains("invalid session_id: expected a string, got {\\\"a\\\":1}");
  }

  @Test
  void credentialsOfTheWrongPlaneOrNoneAreRefused() throws Exception {
    var management =
        post(
            "/v1/workflows/hello:execute",
            harness.issuer.managementToken(org),
            "{\"input\":{\"name\":\"x\"}}");
    assertThat(management.statusCode()).isEqualTo(401);
    var none =
        http.send(
            HttpRequest.newBuilder(URI.create(harness.baseUrl() + "/v1/workflows/hello:execute"))
                .POST(HttpRequest.BodyPublishers.ofString("{}"))
                .header("content-type", "application/json")
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(none.statusCode()).isEqualTo(401);
    // A gateway-audience token of the org works.
    var token =
        post(
            "/v1/workflows/hello:execute",
            harness.issuer.gatewayToken(org),
            "{\"input\":{\"name\":\"x\"}}");
    assertThat(token.statusCode()).isEqualTo(200);
    // API keys and people never manage deployments; the control plane's token never runs workflows.
    assertThat(
            codeOf(
                () ->
                    as(
                            GatewayAdminServiceGrpc.newBlockingStub(harness.channel),
                            harness.apiKey(org))
                        .getGatewayState(GetGatewayStateRequest.getDefaultInstance())))
        .isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(
            codeOf(
                () ->
                    as(
                            GatewayAdminServiceGrpc.newBlockingStub(harness.channel),
                            harness.issuer.gatewayToken(org))
                        .applyDeployment(
                            ApplyDeploymentRequest.newBuilder()
                                .setGeneration(1)
                                .setDeployment(
                                    DeployedWorkflow.newBuilder()
                                        .setDeploymentId("x")
                                        .setOrg(org)
                                        .setWorkflowId("evil")
                                        .setVersion(1)
                                        .setSpec(WorkflowSpec.getDefaultInstance()))
                                .build())))
        .isIn(Status.Code.PERMISSION_DENIED, Status.Code.INVALID_ARGUMENT);
    assertThat(
            codeOf(
                () ->
                    as(
                            ExecutionServiceGrpc.newBlockingStub(harness.channel),
                            harness.issuer.controlPlaneToken())
                        .execute(ExecuteRequest.newBuilder().setWorkflow("hello").build())))
        .isEqualTo(Status.Code.PERMISSION_DENIED);
  }

  @Test
  void anotherOrganisationsWorkflowsAndExecutionsAreNotFound() {
    String other = GatewayHarness.newOrg();
    harness.deploy(
        other,
        "secret",
        """
        {"nodes": [{"id": "t", "transform": {"expression": "{'x': 1}"}}]}""");
    String theirs =
        harness
            .executions(other)
            .execute(ExecuteRequest.newBuilder().setWorkflow("secret").build())
            .getExecutionId();
    assertThat(
            codeOf(
                () ->
                    harness
                        .executions(org)
                        .execute(ExecuteRequest.newBuilder().setWorkflow("secret").build())))
        .isEqualTo(Status.Code.NOT_FOUND);
    assertThat(
            codeOf(
                () ->
                    harness
                        .executions(org)
                        .getExecution(GetExecutionRequest.newBuilder().setId(theirs).build())))
        .isEqualTo(Status.Code.NOT_FOUND);
    assertThat(
            codeOf(
                () ->
                    harness
                        .executions(other)
                        .getExecution(GetExecutionRequest.newBuilder().setId(theirs).build())))
        .isEqualTo(Status.Code.OK);
  }

  @Test
  void watchStreamsEveryEventOverGrpcAndResumesFromAnOffset() {
    String id =
        harness
            .executions(org)
            .execute(
                ExecuteRequest.newBuilder()
                    .setWorkflow("hello")
                    .setInput(json("{\"name\":\"W\"}"))
                    .build())
            .getExecutionId();
    List<ExecutionEvent> events = new ArrayList<>();
    harness
        .executions(org)
        .watchExecution(WatchExecutionRequest.newBuilder().setId(id).build())
        .forEachRemaining(r -> events.add(r.getEvent()));
    assertThat(events)
        .extracting(e -> e.getKindCase().name())
        .containsExactly("NODE_STARTED", "NODE_COMPLETED", "EXECUTION_COMPLETED");
    assertThat(events).extracting(ExecutionEvent::getOffset).containsExactly(0L, 1L, 2L);
    assertThat(events.get(2).getExecutionCompleted().getOutput())
        .isEqualTo(json("{\"greeting\": \"Hello, W!\"}"));

    List<WatchExecutionResponse> tail = new ArrayList<>();
    harness
        .executions(org)
        .watchExecution(WatchExecutionRequest.newBuilder().setId(id).setFromOffset(2).build())
        .forEachRemaining(tail::add);
    assertThat(tail).hasSize(1);
    assertThat(tail.get(0).getEvent().hasExecutionCompleted()).isTrue();
  }

  @Test
  void watchOverServerSentEvents() throws Exception {
    String id =
        harness
            .executions(org)
            .execute(
                ExecuteRequest.newBuilder()
                    .setWorkflow("hello")
                    .setInput(json("{\"name\":\"S\"}"))
                    .build())
            .getExecutionId();
    var response =
        http.send(
            HttpRequest.newBuilder(
                    URI.create(harness.baseUrl() + "/v1/executions/" + id + "/events"))
                .header("authorization", "Bearer " + harness.apiKey(org))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("content-type"))
        .hasValueSatisfying(v -> assertThat(v).startsWith("text/event-stream"));
    assertThat(response.body())
        .contains("event:execution-event")
        .contains("id:2")
        .contains("\"executionCompleted\"");

    var foreign =
        http.send(
            HttpRequest.newBuilder(
                    URI.create(harness.baseUrl() + "/v1/executions/" + id + "/events"))
                .header("authorization", "Bearer " + harness.apiKey(GatewayHarness.newOrg()))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(foreign.statusCode()).isEqualTo(401);
  }

  @Test
  void listPagesThroughExecutionsNewestFirstWithFilters() {
    String listOrg = GatewayHarness.newOrg();
    harness.deploy(listOrg, "hello", HELLO);
    Set<String> ids = new HashSet<>();
    for (int i = 0; i < 5; i++) {
      ids.add(
          harness
              .executions(listOrg)
              .execute(
                  ExecuteRequest.newBuilder()
                      .setWorkflow("hello")
                      .setInput(json("{\"name\":\"n" + i + "\"}"))
                      .build())
              .getExecutionId());
    }
    Set<String> seen = new HashSet<>();
    String token = "";
    int pages = 0;
    do {
      var page =
          harness
              .executions(listOrg)
              .listExecutions(
                  ListExecutionsRequest.newBuilder().setPageSize(2).setPageToken(token).build());
      page.getExecutionsList().forEach(e -> seen.add(e.getId()));
      token = page.getNextPageToken();
      pages++;
    } while (!token.isEmpty());
    assertThat(seen).isEqualTo(ids);
    assertThat(pages).isEqualTo(3);
    var failedOnly =
        harness
            .executions(listOrg)
            .listExecutions(
                ListExecutionsRequest.newBuilder()
                    .setStatus(ExecutionStatus.EXECUTION_STATUS_FAILED)
                    .build());
    assertThat(failedOnly.getExecutionsList()).isEmpty();
    assertThat(
            codeOf(
                () ->
                    harness
                        .executions(listOrg)
                        .listExecutions(
                            ListExecutionsRequest.newBuilder().setPageToken("garbage").build())))
        .isEqualTo(Status.Code.INVALID_ARGUMENT);
  }

  @Test
  void requestIdMakesExecuteIdempotent() {
    var request =
        ExecuteRequest.newBuilder()
            .setWorkflow("hello")
            .setInput(json("{\"name\":\"I\"}"))
            .setRequestId("r-" + System.nanoTime())
            .build();
    String first = harness.executions(org).execute(request).getExecutionId();
    String second = harness.executions(org).execute(request).getExecutionId();
    assertThat(second).isEqualTo(first);
  }
}
