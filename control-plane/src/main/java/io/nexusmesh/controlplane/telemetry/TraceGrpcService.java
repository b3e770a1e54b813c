package io.nexusmesh.controlplane.telemetry;

import static io.nexusmesh.controlplane.Unary.reply;
import static java.util.Objects.requireNonNull;

import com.google.protobuf.util.Durations;
import com.google.protobuf.util.Timestamps;
import io.grpc.stub.StreamObserver;
import io.nexusmesh.api.common.v1.ErrorReason;
import io.nexusmesh.api.controlplane.v1.GetTraceRequest;
import io.nexusmesh.api.controlplane.v1.GetTraceResponse;
import io.nexusmesh.api.controlplane.v1.ListTracesRequest;
import io.nexusmesh.api.controlplane.v1.ListTracesResponse;
import io.nexusmesh.api.controlplane.v1.TraceServiceGrpc;
import io.nexusmesh.api.controlplane.v1.TraceSpan;
import io.nexusmesh.api.controlplane.v1.TraceSummary;
import io.nexusmesh.controlplane.authz.Authz;
import io.nexusmesh.controlplane.authz.Permission;
import io.nexusmesh.runtime.auth.Principal;
import io.nexusmesh.runtime.error.NexusException;
import io.nexusmesh.runtime.server.NonBlocking;
import io.nexusmesh.runtime.telemetry.Tracing;
import io.nexusmesh.runtime.telemetry.otlp.ReceivedSpan;
import io.nexusmesh.runtime.telemetry.otlp.RecentTraces;
import java.util.List;
import org.springframework.stereotype.Component;

/**
 * {@code nexus.controlplane.v1.TraceService}: the traces the control plane's receiver holds that
 * touched the caller's organisation, i.e. that have a span whose {@code nexus.org} is the caller's
 * (set on every authenticated request's span and on every execution's runs). Another organisation's
 * trace is NOT_FOUND, like any of its resources.
 */
@Component
@NonBlocking // reads memory only
public class TraceGrpcService extends TraceServiceGrpc.TraceServiceImplBase {
  private static final int DEFAULT_PAGE = 50;

  private final TraceReceiverHolder receiver;

  public TraceGrpcService(TraceReceiverHolder receiver) {
    this.receiver = requireNonNull(receiver, "receiver");
  }

  @Override
  public void listTraces(ListTracesRequest request, StreamObserver<ListTracesResponse> response) {
    Principal caller = Authz.require(Permission.TRACES_READ);
    RecentTraces traces = traces();
    int size = request.getPageSize() == 0 ? DEFAULT_PAGE : request.getPageSize();
    var page = ListTracesResponse.newBuilder();
    traces.latestWith(Tracing.ORG, caller.org(), size).forEach(s -> page.addTraces(summary(s)));
    reply(response, page.build());
  }

  @Override
  public void getTrace(GetTraceRequest request, StreamObserver<GetTraceResponse> response) {
    Principal caller = Authz.require(Permission.TRACES_READ);
    List<ReceivedSpan> spans =
        traces()
            .trace(request.getTraceId())
            .filter(s -> touches(s, caller.org()))
            .orElseThrow(() -> NexusException.notFound("trace", request.getTraceId()));
    var trace = GetTraceResponse.newBuilder();
    spans.forEach(span -> trace.addSpans(span(span)));
    reply(response, trace.build());
  }

  private RecentTraces traces() {
    return receiver
        .traces()
        .orElseThrow(
            () ->
                NexusException.of(
                    ErrorReason.ERROR_REASON_FAILED_PRECONDITION,
                    "this control plane keeps no traces: set"
                        + " nexus.control-plane.traces.receiver-port (nexus dev does), or read them"
                        + " in the collector your OTEL_EXPORTER_OTLP_ENDPOINT names"));
  }

  private static boolean touches(List<ReceivedSpan> spans, String org) {
    return spans.stream().anyMatch(s -> org.equals(s.attribute(Tracing.ORG)));
  }

  private static TraceSummary summary(RecentTraces.Summary s) {
    return TraceSummary.newBuilder()
        .setTraceId(s.traceId())
        .setRootName(s.rootName())
        .setSpanCount(s.spans())
        .addAllServices(s.services())
        .setStartTime(Timestamps.fromNanos(s.startNanos()))
        .setDuration(Durations.fromNanos(Math.max(0, s.endNanos() - s.startNanos())))
        .setError(s.error())
        .build();
  }

  private static TraceSpan span(ReceivedSpan s) {
    return TraceSpan.newBuilder()
        .setTraceId(s.traceId())
        .setSpanId(s.spanId())
        .setParentSpanId(s.parentSpanId())
        .setName(s.name())
        .setKind(s.kind())
        .setService(s.service())
        .setStartTime(Timestamps.fromNanos(s.startNanos()))
        .setDuration(Durations.fromNanos(Math.max(0, s.endNanos() - s.startNanos())))
        .putAllAttributes(s.attributes())
        .addAllLinks(s.links())
        .setError(s.error())
        .build();
  }
}
