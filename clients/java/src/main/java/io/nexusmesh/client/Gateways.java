package io.nexusmesh.client;

import io.nexusmesh.api.controlplane.v1.Gateway;
import io.nexusmesh.api.controlplane.v1.GatewayServiceGrpc;
import io.nexusmesh.api.controlplane.v1.ListGatewaysRequest;
import java.util.List;

/** The gateways registered with the control plane, and their health. */
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
}
