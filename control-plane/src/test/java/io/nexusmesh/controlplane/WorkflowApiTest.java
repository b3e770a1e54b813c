package io.nexusmesh.controlplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.FieldMask;
import com.google.protobuf.util.JsonFormat;
import io.grpc.Status;
import io.nexusmesh.api.common.v1.ErrorReason;
import io.nexusmesh.api.controlplane.v1.AuditEvent;
import io.nexusmesh.api.controlplane.v1.AuditServiceGrpc;
import io.nexusmesh.api.controlplane.v1.CreateWorkflowRequest;
import io.nexusmesh.api.controlplane.v1.CreateWorkflowVersionRequest;
import io.nexusmesh.api.controlplane.v1.DeleteWorkflowRequest;
import io.nexusmesh.api.controlplane.v1.GetWorkflowRequest;
import io.nexusmesh.api.controlplane.v1.GetWorkflowVersionRequest;
import io.nexusmesh.api.controlplane.v1.ListAuditEventsRequest;
import io.nexusmesh.api.controlplane.v1.ListWorkflowVersionsRequest;
import io.nexusmesh.api.controlplane.v1.ListWorkflowsRequest;
import io.nexusmesh.api.controlplane.v1.UpdateWorkflowRequest;
import io.nexusmesh.api.controlplane.v1.Workflow;
import io.nexusmesh.api.controlplane.v1.WorkflowServiceGrpc;
import io.nexusmesh.api.controlplane.v1.WorkflowServiceGrpc.WorkflowServiceBlockingStub;
import io.nexusmesh.api.workflow.v1.WorkflowSpec;
import io.nexusmesh.client.ErrorDetails;
import io.nexusmesh.runtime.auth.ApiKeys;
import io.nexusmesh.runtime.auth.Audiences;
import io.nexusmesh.runtime.auth.DevTokenIssuer.TokenRequest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The workflow and audit APIs of the running control plane, driven with grpc-java and with REST
 * over the JDK's HTTP client: CRUD, versions and their validation, etags, idempotency, audit
 * exactly once per successful change, cross-org isolation and plane separation.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WorkflowApiTest {
  static final String HELLO_SPEC =
      """
      {"nodes": [{"id": "greet", "transform": {"expression": "{'greeting': 'Hello, ' + input.name + '!'}"}}],
       "inputSchema": {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}}}
      """;

  private ControlPlaneHarness cp;
  private final HttpClient http = io.nexusmesh.testing.TestHttp.client();

  @BeforeAll
  void start() throws Exception {
    cp = ControlPlaneHarness.start();
  }

  @AfterAll
  void stop() throws Exception {
    cp.close();
  }

  private WorkflowServiceBlockingStub workflows(String token) {
    return cp.as(WorkflowServiceGrpc.newBlockingStub(cp.channel), token);
  }

  private List<AuditEvent> audit(String org) {
    return cp.as(AuditServiceGrpc.newBlockingStub(cp.channel), cp.token("auditor", org, "admin"))
        .listAuditEvents(ListAuditEventsRequest.newBuilder().setPageSize(1000).build())
        .getAuditEventsList();
  }

  private static ErrorDetails failure(Runnable call) {
    var thrown = new AtomicReference<Throwable>();
    assertThatThrownBy(call::run).satisfies(thrown::set);
    return ErrorDetails.from(thrown.get());
  }

  private static WorkflowSpec spec(String json) {
    var spec = WorkflowSpec.newBuilder();
    try {
      JsonFormat.parser().merge(json, spec);
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new IllegalArgumentException("not a WorkflowSpec in JSON", e);
    }
    return spec.build();
  }

  private static String uniqueId() {
    return "wf-" + UUID.randomUUID().toString().substring(0, 8);
  }

  private Workflow create(String org, String id) {
    return workflows(cp.token("alice", org, "developer"))
        .createWorkflow(
            CreateWorkflowRequest.newBuilder()
                .setWorkflow(
                    Workflow.newBuilder()
                        .setId(id)
                        .setDisplayName("Hello")
                        .putLabels("team", "core"))
                .build())
        .getWorkflow();
  }

  @Test
  void createGetUpdateDeleteWithEtags() {
    String org = "org-" + UUID.randomUUID();
    String id = uniqueId();
    var dev = workflows(cp.token("alice", org, "developer"));
    Workflow created = create(org, id);
    assertThat(created.getName()).isEqualTo("workflows/" + id);
    assertThat(created.getEtag()).isNotEmpty();
    assertThat(dev.getWorkflow(GetWorkflowRequest.newBuilder().setId(id).build()).getWorkflow())
        .isEqualTo(created);

    Workflow updated =
        dev.updateWorkflow(
                UpdateWorkflowRequest.newBuilder()
                    .setWorkflow(
                        created.toBuilder().setDescription("Says hello").setDisplayName("ignored"))
                    .setUpdateMask(FieldMask.newBuilder().addPaths("description"))
                    .build())
            .getWorkflow();
    assertThat(updated.getDescription()).isEqualTo("Says hello");
    assertThat(updated.getDisplayName()).isEqualTo("Hello");
    assertThat(updated.getEtag()).isNotEqualTo(created.getEtag());

    ErrorDetails stale =
        failure(
            () ->
                dev.updateWorkflow(
                    UpdateWorkflowRequest.newBuilder()
                        .setWorkflow(created.toBuilder().setDescription("lost update"))
                        .build()));
    assertThat(stale.code()).isEqualTo(Status.Code.ABORTED);
    assertThat(stale.reason()).isEqualTo(ErrorReason.ERROR_REASON_ETAG_MISMATCH);

    dev.deleteWorkflow(
        DeleteWorkflowRequest.newBuilder().setId(id).setEtag(updated.getEtag()).build());
    assertThat(
            failure(() -> dev.getWorkflow(GetWorkflowRequest.newBuilder().setId(id).build()))
                .code())
        .isEqualTo(Status.Code.NOT_FOUND);

    // Exactly one audit event per successful change; the stale update wrote none.
    assertThat(audit(org))
        .extracting(AuditEvent::getAction)
        .containsExactly(
            "nexus.controlplane.v1.WorkflowService/DeleteWorkflow",
            "nexus.controlplane.v1.WorkflowService/UpdateWorkflow",
            "nexus.controlplane.v1.WorkflowService/CreateWorkflow");
    assertThat(audit(org))
        .allSatisfy(
            e -> {
              assertThat(e.getActor()).isEqualTo("alice");
              assertThat(e.getResource()).isEqualTo("workflows/" + id);
            });
  }

  @Test
  void repeatedRequestIdReturnsTheFirstResult() {
    String org = "org-" + UUID.randomUUID();
    var dev = workflows(cp.token("alice", org, "developer"));
    var request =
        CreateWorkflowRequest.newBuilder()
            .setWorkflow(Workflow.newBuilder().setId("once"))
            .setRequestId("req-1")
            .build();
    Workflow first = dev.createWorkflow(request).getWorkflow();
    Workflow second = dev.createWorkflow(request).getWorkflow();
    assertThat(second).isEqualTo(first);
    assertThat(audit(org))
        .hasSize(1)
        .first()
        .extracting(AuditEvent::getRequestId)
        .isEqualTo("req-1");

    ErrorDetails duplicate =
        failure(() -> dev.createWorkflow(request.toBuilder().setRequestId("req-2").build()));
    assertThat(duplicate.code()).isEqualTo(Status.Code.ALREADY_EXISTS);
    assertThat(audit(org)).hasSize(1);
  }

  @Test
  void versionsAreValidatedNumberedAndImmutable() throws Exception {
    String org = "org-" + UUID.randomUUID();
    String id = uniqueId();
    create(org, id);
    var dev = workflows(cp.token("alice", org, "developer"));
    var v1 =
        dev.createWorkflowVersion(
                CreateWorkflowVersionRequest.newBuilder()
                    .setWorkflowId(id)
                    .setSpec(spec(HELLO_SPEC))
                    .build())
            .getVersion();
    var v2 =
        dev.createWorkflowVersion(
                CreateWorkflowVersionRequest.newBuilder()
                    .setWorkflowId(id)
                    .setSpec(spec(HELLO_SPEC))
                    .build())
            .getVersion();
    assertThat(v1.getVersion()).isEqualTo(1);
    assertThat(v2.getVersion()).isEqualTo(2);
    assertThat(v1.getSpecDigest()).hasSize(64).isEqualTo(v2.getSpecDigest());
    assertThat(v1.getCreator()).isEqualTo("alice");
    assertThat(
            dev.getWorkflowVersion(
                    GetWorkflowVersionRequest.newBuilder().setWorkflowId(id).setVersion(1).build())
                .getVersion())
        .isEqualTo(v1);
    var page =
        dev.listWorkflowVersions(
            ListWorkflowVersionsRequest.newBuilder().setWorkflowId(id).setPageSize(1).build());
    assertThat(page.getVersionsList()).extracting(v -> v.getVersion()).containsExactly(2L);
    var rest =
        dev.listWorkflowVersions(
            ListWorkflowVersionsRequest.newBuilder()
                .setWorkflowId(id)
                .setPageSize(1)
                .setPageToken(page.getNextPageToken())
                .build());
    assertThat(rest.getVersionsList()).extracting(v -> v.getVersion()).containsExactly(1L);
    assertThat(rest.getNextPageToken()).isEmpty();
  }

  @Test
  void invalidSpecsAreRefusedFieldByField() throws Exception {
    String org = "org-" + UUID.randomUUID();
    String id = uniqueId();
    create(org, id);
    var dev = workflows(cp.token("alice", org, "developer"));
    String broken =
        """
        {"nodes": [
           {"id": "a", "transform": {"expression": "input.name +"}},
           {"id": "b", "transform": {"expression": "1"}},
           {"id": "c", "branch": {"cases": [{"condition": "true", "target": "nowhere"}]}}],
         "edges": [{"from": "a", "to": "b"}, {"from": "b", "to": "a"}, {"from": "c", "to": "ghost"}],
         "inputSchema": {"type": "no-such-type"}}
        """;
    ErrorDetails error =
        failure(
            () ->
                dev.createWorkflowVersion(
                    CreateWorkflowVersionRequest.newBuilder()
                        .setWorkflowId(id)
                        .setSpec(spec(broken))
                        .build()));
    assertThat(error.code()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(error.violations())
        .extracting(ErrorDetails.Violation::field)
        .contains(
            "spec.nodes[0].transform.expression",
            "spec.nodes[2].branch.cases[0].target",
            "spec.edges[2].to",
            "spec.input_schema");
    assertThat(
            workflows(cp.token("alice", org, "viewer"))
                .getWorkflow(GetWorkflowRequest.newBuilder().setId(id).build())
                .getWorkflow()
                .getLatestVersion())
        .isZero();

    String cyclic =
        """
        {"entry": "a",
         "nodes": [{"id": "a", "transform": {"expression": "1"}}, {"id": "b", "transform": {"expression": "2"}}],
         "edges": [{"from": "a", "to": "b"}, {"from": "b", "to": "a"}]}
        """;
    ErrorDetails cycle =
        failure(
            () ->
                dev.createWorkflowVersion(
                    CreateWorkflowVersionRequest.newBuilder()
                        .setWorkflowId(id)
                        .setSpec(spec(cyclic))
                        .build()));
    assertThat(cycle.violations()).extracting(ErrorDetails.Violation::field).contains("spec.edges");
    assertThat(audit(org)).hasSize(1);
  }

  @Test
  void listPagesAndFiltersByLabel() {
    String org = "org-" + UUID.randomUUID();
    for (String id : List.of("a-one", "b-two", "c-three")) {
      create(org, id);
    }
    var dev = workflows(cp.token("alice", org, "viewer"));
    var first = dev.listWorkflows(ListWorkflowsRequest.newBuilder().setPageSize(2).build());
    assertThat(first.getWorkflowsList())
        .extracting(Workflow::getId)
        .containsExactly("a-one", "b-two");
    var second =
        dev.listWorkflows(
            ListWorkflowsRequest.newBuilder()
                .setPageSize(2)
                .setPageToken(first.getNextPageToken())
                .build());
    assertThat(second.getWorkflowsList()).extracting(Workflow::getId).containsExactly("c-three");
    assertThat(second.getNextPageToken()).isEmpty();
    assertThat(
            dev.listWorkflows(
                    ListWorkflowsRequest.newBuilder().setLabelSelector("team=other").build())
                .getWorkflowsList())
        .isEmpty();
    assertThat(
            dev.listWorkflows(
                    ListWorkflowsRequest.newBuilder().setLabelSelector("team=core").build())
                .getWorkflowsCount())
        .isEqualTo(3);
    // A page that fills on the last row of a scanned batch must still point at the rows after it.
    workflows(cp.token("alice", org, "developer"))
        .createWorkflow(
            CreateWorkflowRequest.newBuilder()
                .setWorkflow(Workflow.newBuilder().setId("a-unlabelled"))
                .build());
    var filtered =
        dev.listWorkflows(
            ListWorkflowsRequest.newBuilder().setPageSize(2).setLabelSelector("team=core").build());
    assertThat(filtered.getWorkflowsList())
        .extracting(Workflow::getId)
        .containsExactly("a-one", "b-two");
    var rest =
        dev.listWorkflows(
            ListWorkflowsRequest.newBuilder()
                .setPageSize(2)
                .setLabelSelector("team=core")
                .setPageToken(filtered.getNextPageToken())
                .build());
    assertThat(rest.getWorkflowsList()).extracting(Workflow::getId).containsExactly("c-three");
    ErrorDetails badToken =
        failure(
            () ->
                dev.listWorkflows(
                    ListWorkflowsRequest.newBuilder().setPageToken("garbage!").build()));
    assertThat(badToken.code()).isEqualTo(Status.Code.INVALID_ARGUMENT);
  }

  @Test
  void anotherOrgsWorkflowDoesNotExistForYou() {
    String orgA = "org-" + UUID.randomUUID();
    String orgB = "org-" + UUID.randomUUID();
    String id = uniqueId();
    Workflow workflow = create(orgA, id);
    var intruder = workflows(cp.token("mallory", orgB, "admin"));
    List<Runnable> attempts =
        List.of(
            () -> intruder.getWorkflow(GetWorkflowRequest.newBuilder().setId(id).build()),
            () ->
                intruder.updateWorkflow(
                    UpdateWorkflowRequest.newBuilder().setWorkflow(workflow).build()),
            () -> intruder.deleteWorkflow(DeleteWorkflowRequest.newBuilder().setId(id).build()),
            () ->
                intruder.createWorkflowVersion(
                    CreateWorkflowVersionRequest.newBuilder()
                        .setWorkflowId(id)
                        .setSpec(
                            WorkflowSpec.newBuilder()
                                .addNodes(
                                    io.nexusmesh.api.workflow.v1.Node.newBuilder()
                                        .setId("x")
                                        .setTransform(
                                            io.nexusmesh.api.workflow.v1.TransformNode.newBuilder()
                                                .setExpression("1"))))
                        .build()),
            () ->
                intruder.listWorkflowVersions(
                    ListWorkflowVersionsRequest.newBuilder().setWorkflowId(id).build()));
    for (Runnable attempt : attempts) {
      assertThat(failure(attempt).code()).isEqualTo(Status.Code.NOT_FOUND);
    }
    assertThat(intruder.listWorkflows(ListWorkflowsRequest.getDefaultInstance()).getWorkflowsList())
        .isEmpty();
    assertThat(audit(orgB)).isEmpty();
    assertThat(audit(orgA)).hasSize(1);
  }

  @Test
  void dataPlaneCredentialsAreRefused() {
    var apiKey = workflows(ApiKeys.generate().secret());
    var get = GetWorkflowRequest.newBuilder().setId("any").build();
    assertThat(failure(() -> apiKey.getWorkflow(get)).code())
        .isEqualTo(Status.Code.UNAUTHENTICATED);
    String gatewayToken =
        cp.issuer.mint(TokenRequest.user("gw", "acme", Audiences.GATEWAY, "admin"));
    ErrorDetails wrongPlane = failure(() -> workflows(gatewayToken).getWorkflow(get));
    assertThat(wrongPlane.reason()).isEqualTo(ErrorReason.ERROR_REASON_WRONG_AUDIENCE);
  }

  @Test
  void restRoutesWork() throws Exception {
    String org = "org-" + UUID.randomUUID();
    String token = cp.token("alice", org, "admin");
    HttpResponse<String> created =
        send("POST", "/v1/workflows", "{\"id\":\"hello\",\"displayName\":\"Hello\"}", token);
    assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
    assertThat(created.body()).contains("\"name\":\"workflows/hello\"");
    HttpResponse<String> version =
        send("POST", "/v1/workflows/hello/versions", "{\"spec\":" + HELLO_SPEC + "}", token);
    assertThat(version.statusCode()).as(version.body()).isEqualTo(200);
    assertThat(version.body()).contains("\"version\":\"1\"");
    assertThat(send("GET", "/v1/workflows/hello", null, token).body())
        .contains("\"latestVersion\":\"1\"");
    assertThat(send("GET", "/v1/workflows", null, token).body()).contains("workflows/hello");
    assertThat(send("GET", "/v1/auditEvents", null, token).body())
        .contains("WorkflowService/CreateWorkflowVersion");
    assertThat(send("GET", "/v1/workflows/missing", null, token).statusCode()).isEqualTo(404);
    assertThat(
            send("GET", "/v1/workflows/hello", null, cp.token("eve", "elsewhere", "admin"))
                .statusCode())
        .isEqualTo(404);
    assertThat(send("GET", "/v1/workflows/hello", null, null).statusCode()).isEqualTo(401);
    assertThat(
            send("POST", "/v1/workflows", "{\"id\":\"x\"}", cp.token("v", org, "viewer"))
                .statusCode())
        .isEqualTo(403);
    assertThat(send("POST", "/v1/workflows", "{\"id\": ", token).statusCode()).isEqualTo(400);
    assertThat(
            send("POST", "/v1/workflows", "{\"id\":\"y\",\"colour\":\"red\"}", token).statusCode())
        .isEqualTo(400);
    // Over HTTP/1.1: on HTTP/2 the server answers an oversize body by resetting the stream.
    HttpResponse<String> oversize =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .build()
            .send(
                HttpRequest.newBuilder(URI.create(cp.baseUrl() + "/v1/workflows"))
                    .header("content-type", "application/json")
                    .header("authorization", "Bearer " + token)
                    .POST(
                        HttpRequest.BodyPublishers.ofString(
                            "{\"id\":\"big\",\"description\":\""
                                + "x".repeat(5 * 1024 * 1024)
                                + "\"}"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(oversize.statusCode()).isEqualTo(413);
    assertThat(oversize.body()).contains("RESOURCE_EXHAUSTED");
    assertThat(send("GET", "/v1/workflows/big", null, token).statusCode()).isEqualTo(404);
  }

  private HttpResponse<String> send(String method, String path, String body, String token)
      throws Exception {
    var request =
        HttpRequest.newBuilder(URI.create(cp.baseUrl() + path))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body))
            .header("content-type", "application/json");
    if (token != null) {
      request.header("authorization", "Bearer " + token);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }
}
