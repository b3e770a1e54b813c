package io.nexusmesh.controlplane.xds;

import static java.util.Objects.requireNonNull;

import io.grpc.stub.StreamObserver;
import io.nexusmesh.api.controlplane.v1.ListXdsClientsRequest;
import io.nexusmesh.api.controlplane.v1.ListXdsClientsResponse;
import io.nexusmesh.api.controlplane.v1.MeshServiceGrpc;
import io.nexusmesh.controlplane.authz.Authz;
import io.nexusmesh.controlplane.authz.Permission;
import io.nexusmesh.runtime.auth.Principal;
import io.nexusmesh.runtime.server.NonBlocking;
import java.util.List;
import java.util.Optional;
import org.springframework.stereotype.Component;

/**
 * MeshService: the xDS server's subscribers of the caller's organisation and what they accepted and
 * refused. With the xDS server off, the list is empty.
 */
@Component
@NonBlocking
public class MeshGrpcService extends MeshServiceGrpc.MeshServiceImplBase {
  private final Optional<XdsClientStatuses> statuses;

  public MeshGrpcService(Optional<XdsClientStatuses> statuses) {
    this.statuses = requireNonNull(statuses, "statuses");
  }

  @Override
  public void listXdsClients(
      ListXdsClientsRequest request, StreamObserver<ListXdsClientsResponse> response) {
    Principal caller = Authz.require(Permission.GATEWAYS_READ);
    var clients = statuses.map(s -> s.list(caller.org(), request.getNodeId())).orElse(List.of());
    response.onNext(ListXdsClientsResponse.newBuilder().addAllClients(clients).build());
    response.onCompleted();
  }
}
