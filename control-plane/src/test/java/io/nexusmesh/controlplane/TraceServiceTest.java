package io.nexusmesh.controlplane;

import static io.nexusmesh.controlplane.ControlPlaneHarness.codeOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import io.nexusmesh.api.controlplane.v1.CreateDeploymentRequest;
import io.nexusmesh.api.controlplane.v1.CreateWorkflowRequest;
import io.nexusmesh.api.controlplane.v1.CreateWorkflowVersionRequest;
import io.nexusmesh.api.controlplane.v1.DeploymentServiceGrpc;
import io.nexusmesh.api.controlplane.v1.Environment;
import io.nexusmesh.api.controlplane.v1.GetTraceRequest;
import io.nexusmesh.api.controlplane.v1.ListTracesRequest;
import io.nexusmesh.api.controlplane.v1.ListWorkflowsRequest;
import io.nexusmesh.api.controlplane.v1.TraceServiceGrpc;
import io.nexusmesh.api.controlplane.v1.TraceSpan;
import io.nexusmesh.api.controlplane.v1.TraceSummary;
import io.nexusmesh.api.controlplane.v1.Workflow;
import io.nexusmesh.api.controlplane.v1.WorkflowServiceGrpc;
import io.nexusmesh.controlplane.deployment.RolloutPusher;
import io.nexusmesh.controlplane.telemetry.TraceReceiverHolder;
import io.nexusmesh.gateway.Gateway;
import io.nexusmesh.runtime.telemetry.Telemetry;
import io.nexusmesh.testing.RedisEndpoint;
import io.nexusmesh.testing.RedisExtension;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code TraceService} over the control plane's own OTLP receiver: a client's {@code traceparent}
 * on a gRPC call becomes the parent of the control plane's server span, which the control plane
 * exports to its receiver by OTLP; the trace is shown to the organisation that made the call (gRPC
 * and REST) and to no other. A deployment's push to a gateway (its own span, and the gateway's) is
 * in the trace of the call that created the deployment.
 */
@ExtendWith(RedisExtension.class)
class TraceServiceTest {
  private static final Metadata.Key<String> TRACEPARENT =
      Metadata.Key.of("traceparent", Metadata.ASCII_STRING_MARSHALLER);

  @Test
  void aCallersTraceIsShownToItsOrganisationOnly() throws Exception {
    String org = "tr-" + UUID.randomUUID().toString().substring(0, 6);
    String traceId = UUID.randomUUID().toString().replace("-", "");
    String clientSpan = traceId.substring(0, 16);
    try (var cp = ControlPlaneHarness.start("nexus.control-plane.traces.receiver-port=0")) {
      String viewer = cp.token("vic", org, "viewer");
      String outsider = cp.token("eve", "other-" + org, "admin");
      Metadata headers = new Metadata();
      headers.put(TRACEPARENT, "00-" + traceId + "-" + clientSpan + "-01");
      cp.as(WorkflowServiceGrpc.newBlockingStub(cp.channel), viewer)
          .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
          .listWorkflows(ListWorkflowsRequest.getDefaultInstance());

      var traces = cp.as(TraceServiceGrpc.newBlockingStub(cp.channel), viewer);
      List<TraceSpan> spans =
          await()
              .atMost(Duration.ofSeconds(15))
              .ignoreExceptionsMatching(
                  e ->
                      e instanceof StatusRuntimeException s
                          && s.getStatus().getCode() == Status.Code.NOT_FOUND)
              .until(
                  () ->
                      traces
                          .getTrace(GetTraceRequest.newBuilder().setTraceId(traceId).build())
                          .getSpansList(),
                  list -> !list.isEmpty());
      TraceSpan server = spans.get(0);
      assertThat(server.getName()).endsWith("WorkflowService/ListWorkflows");
      assertThat(server.getKind()).isEqualTo("SERVER");
      assertThat(server.getService()).isEqualTo("nexus-control-plane");
      assertThat(server.getParentSpanId()).isEqualTo(clientSpan);
      assertThat(server.getAttributesMap())
          .containsEntry("nexus.org", org)
          .containsEntry("rpc.grpc.status_code", "0");
      assertThat(
              traces.listTraces(ListTracesRequest.getDefaultInstance()).getTracesList().stream()
                  .map(TraceSummary::getTraceId))
          .contains(traceId);

      // Another organisation neither lists it nor reads it.
      var theirs = cp.as(TraceServiceGrpc.newBlockingStub(cp.channel), outsider);
      assertThat(
              theirs.listTraces(ListTracesRequest.getDefaultInstance()).getTracesList().stream()
                  .map(TraceSummary::getTraceId))
          .doesNotContain(traceId);
      assertThat(
              codeOf(
                  () -> theirs.getTrace(GetTraceRequest.newBuilder().setTraceId(traceId).build())))
          .isEqualTo(Status.Code.NOT_FOUND);

      // A malformed id is the caller's mistake, named.
      var bad =
          catchThrowableOfType(
              StatusRuntimeException.class,
              () -> traces.getTrace(GetTraceRequest.newBuilder().setTraceId("XYZ").build()));
      assertThat(bad.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(MeshTestSupport.violations(bad)).containsExactly("trace_id");

      // REST: the same trace as JSON.
      String json =
          MeshTestSupport.rest(
              URI.create(cp.baseUrl() + "/v1/telemetry/traces/" + traceId), viewer);
      assertThat(json).contains("\"parentSpanId\":\"" + clientSpan + "\"").contains(org);
    }
  }

  @Test
  void aDeploymentsPushToAGatewayIsInTheTraceOfTheCallThatMadeIt(RedisEndpoint redis)
      throws Exception {
    String org = "trp-" + UUID.randomUUID().toString().substring(0, 6);
    String traceId = UUID.randomUUID().toString().replace("-", "");
    String clientSpan = traceId.substring(16);
    try (var cp = ControlPlaneHarness.start("nexus.control-plane.traces.receiver-port=0")) {
      String endpoint = cp.context.getBean(TraceReceiverHolder.class).endpoint().orElseThrow();
      Gateway gateway =
          cp.startGateway(redis, org, "gw-traced", "dev", true, Telemetry.exportingTo(endpoint));
      try {
        await().atMost(Duration.ofSeconds(20)).until(gateway::registered);
        RolloutPusher pusher = cp.context.getBean(RolloutPusher.class);
        await().atMost(Duration.ofSeconds(10)).until(() -> pusher.idle(org, "gw-traced"));
        String admin = cp.token("ada", org, "admin");
        var workflows = cp.as(WorkflowServiceGrpc.newBlockingStub(cp.channel), admin);
        workflows.createWorkflow(
            CreateWorkflowRequest.newBuilder()
                .setWorkflow(Workflow.newBuilder().setId("traced"))
                .build());
        workflows.createWorkflowVersion(
            CreateWorkflowVersionRequest.newBuilder()
                .setWorkflowId("traced")
                .setSpec(
                    MeshTestSupport.spec(
                        "{\"nodes\": [{\"id\": \"a\", \"transform\": {\"expression\": \"1\"}}]}"))
                .build());
        Metadata headers = new Metadata();
        headers.put(TRACEPARENT, "00-" + traceId + "-" + clientSpan + "-01");
        var deployments =
            cp.as(DeploymentServiceGrpc.newBlockingStub(cp.channel), admin)
                .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
        String id =
            deployments
                .createDeployment(
                    CreateDeploymentRequest.newBuilder()
                        .setWorkflowId("traced")
                        .setVersion(1)
                        .setEnvironment(Environment.ENVIRONMENT_DEV)
                        .build())
                .getDeployment()
                .getId();
        ControlPlaneHarness.awaitActive(
            cp.as(DeploymentServiceGrpc.newBlockingStub(cp.channel), admin), id);

        // The call, the control plane's push, and the gateway applying it: one trace.
        var traces = cp.as(TraceServiceGrpc.newBlockingStub(cp.channel), admin);
        List<TraceSpan> spans =
            await()
                .atMost(Duration.ofSeconds(15))
                .until(
                    () ->
                        traces
                            .getTrace(GetTraceRequest.newBuilder().setTraceId(traceId).build())
                            .getSpansList(),
                    list ->
                        list.stream()
                            .anyMatch(
                                s ->
                                    s.getService().equals("nexus-gateway")
                                        && s.getName().endsWith("ApplyDeployment")));
        TraceSpan call =
            only(spans, s -> s.getName().endsWith("DeploymentService/CreateDeployment"));
        assertThat(call.getParentSpanId()).isEqualTo(clientSpan);
        TraceSpan push =
            only(
                spans,
                s ->
                    s.getKind().equals("CLIENT")
                        && s.getService().equals("nexus-control-plane")
                        && s.getName().endsWith("GatewayAdminService/ApplyDeployment"));
        TraceSpan applied =
            only(
                spans,
                s ->
                    s.getService().equals("nexus-gateway")
                        && s.getKind().equals("SERVER")
                        && s.getName().endsWith("GatewayAdminService/ApplyDeployment"));
        assertThat(applied.getParentSpanId()).isEqualTo(push.getSpanId());
        assertThat(applied.getAttributesMap()).containsEntry("rpc.grpc.status_code", "0");
      } finally {
        gateway.close();
      }
    }
  }

  private static TraceSpan only(List<TraceSpan> spans, java.util.function.Predicate<TraceSpan> p) {
    List<TraceSpan> found = spans.stream().filter(p).toList();
    assertThat(found).as("in %s", spans).hasSize(1);
    return found.get(0);
  }

  @Test
  void withoutAReceiverTheServiceSaysWhereTracesAre() throws Exception {
    try (var cp = ControlPlaneHarness.start()) {
      var failure =
          catchThrowableOfType(
              StatusRuntimeException.class,
              () ->
                  cp.as(
                          TraceServiceGrpc.newBlockingStub(cp.channel),
                          cp.token("ada", "tr-none", "admin"))
                      .listTraces(ListTracesRequest.getDefaultInstance()));
      assertThat(failure.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
      assertThat(failure.getStatus().getDescription()).contains("receiver-port");
    }
  }
}
