package io.nexusmesh.client;

import io.nexusmesh.api.controlplane.v1.AuditEvent;
import io.nexusmesh.api.controlplane.v1.AuditServiceGrpc;
import io.nexusmesh.api.controlplane.v1.ListAuditEventsRequest;
import io.nexusmesh.api.controlplane.v1.StreamAuditEventsRequest;
import io.nexusmesh.api.controlplane.v1.StreamAuditEventsResponse;
import java.util.Iterator;
import java.util.List;

/** The organisation's audit trail: one event per change, who made it and how it ended. */
public final class AuditTrail {
  private final Endpoint endpoint;

  AuditTrail(Endpoint endpoint) {
    this.endpoint = endpoint;
  }

  /** The newest {@code limit} events, filtered by action and resource when not empty. */
  public List<AuditEvent> list(String action, String resource, int limit) {
    return endpoint
        .unary(AuditServiceGrpc.newBlockingStub(endpoint.channel()))
        .listAuditEvents(
            ListAuditEventsRequest.newBuilder()
                .setAction(action)
                .setResource(resource)
                .setPageSize(limit)
                .build())
        .getAuditEventsList();
  }

  /** New events as they are written, filtered when the arguments are not empty. */
  public Iterator<AuditEvent> tail(String action, String resource) {
    Iterator<StreamAuditEventsResponse> events =
        endpoint
            .streaming(AuditServiceGrpc.newBlockingStub(endpoint.channel()))
            .streamAuditEvents(
                StreamAuditEventsRequest.newBuilder()
                    .setAction(action)
                    .setResource(resource)
                    .build());
    return Streams.map(events, StreamAuditEventsResponse::getAuditEvent);
  }
}
