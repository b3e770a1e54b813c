package io.nexusmesh.controlplane;

import static io.nexusmesh.controlplane.ControlPlaneHarness.codeOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import io.nexusmesh.api.controlplane.v1.GetTraceRequest;
import io.nexusmesh.api.controlplane.v1.ListTracesRequest;
import io.nexusmesh.api.controlplane.v1.ListWorkflowsRequest;
import io.nexusmesh.api.controlplane.v1.TraceServiceGrpc;
import io.nexusmesh.api.controlplane.v1.TraceSpan;
import io.nexusmesh.api.controlplane.v1.TraceSummary;
import io.nexusmesh.api.controlplane.v1.WorkflowServiceGrpc;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * {@code TraceService} over the control plane's own OTLP receiver: a client's {@code traceparent}
 * on a gRPC call becomes the parent of the control plane's server span, which the control plane
 * exports to its receiver by OTLP; the trace is shown to the organisation that made the call (gRPC
 * and REST) and to no other.
 */
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
