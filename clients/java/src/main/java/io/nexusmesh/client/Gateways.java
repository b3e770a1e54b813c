package io.nexusmesh.client;

import io.nexusmesh.api.controlplane.v1.Gateway;
import io.nexusmesh.api.controlplane.v1.GatewayServiceGrpc;
import io.nexusmesh.api.controlplane.v1.ListGatewaysRequest;
import io.nexusmesh.api.controlplane.v1.ListWorkflowUsageRequest;
import io.nexusmesh.api.controlplane.v1.WorkflowUsage;
import java.time.Instant;
import java.util.List;

/** The gateways registered with the control plane, their health, and the usage they reported. */
public final class Gateways {
  private final Endpoint endpoint;

  Gateways(Endpoint endpoint) {
    this.endpoint = endpoint;
  }

  /** Every registered gateway of the organisation (all pages). */
  public List<Gateway> list() {
    return Pages.all(
        token ->
            endpoint
                .unary(GatewayServiceGrpc.newBlockingStub(endpoint.channel()))
                .listGateways(
                    ListGatewaysRequest.newBuilder()
                        .setPageSize(Pages.SIZE)
                        .setPageToken(token)
                        .build()),
        r -> r.getGatewaysList(),
        r -> r.getNextPageToken());
  }

  /**
   * The usage the organisation's gateways reported in [{@code from}, {@code to}), per workflow,
   * most executions first.
   */
  public List<WorkflowUsage> usage(Instant from, Instant to) {
    return endpoint
        .unary(GatewayServiceGrpc.newBlockingStub(endpoint.channel()))
        .listWorkflowUsage(
            ListWorkflowUsageRequest.newBuilder()
                .setStartTime(com.google.protobuf.util.Timestamps.fromMillis(from.toEpochMilli()))
                .setEndTime(com.google.protobuf.util.Timestamps.fromMillis(to.toEpochMilli()))
                .build())
        .getUsageList();
  }
}
