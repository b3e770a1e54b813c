package io.nexusmesh.gateway.deploy;

import static java.util.Objects.requireNonNull;

import com.linecorp.armeria.server.annotation.Blocking;
import io.grpc.stub.StreamObserver;
import io.nexusmesh.api.common.v1.ErrorReason;
import io.nexusmesh.api.gateway.v1.ApplyDeploymentRequest;
import io.nexusmesh.api.gateway.v1.ApplyDeploymentResponse;
import io.nexusmesh.api.gateway.v1.ApplyKeySetRequest;
import io.nexusmesh.api.gateway.v1.ApplyKeySetResponse;
import io.nexusmesh.api.gateway.v1.GatewayAdminServiceGrpc;
import io.nexusmesh.api.gateway.v1.GetGatewayStateRequest;
import io.nexusmesh.api.gateway.v1.GetGatewayStateResponse;
import io.nexusmesh.api.gateway.v1.RemoveDeploymentRequest;
import io.nexusmesh.api.gateway.v1.RemoveDeploymentResponse;
import io.nexusmesh.runtime.auth.AuthContext;
import io.nexusmesh.runtime.auth.Principal;
import io.nexusmesh.runtime.auth.PrincipalKind;
import io.nexusmesh.runtime.auth.ServiceRoles;
import io.nexusmesh.runtime.error.NexusException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code nexus.gateway.v1.GatewayAdminService}: how the control plane pushes deployments here. Only
 * the control plane's service account (a gateway-audience token with the {@code control-plane}
 * role) may call it; API keys and people's tokens are refused.
 */
@Blocking
public final class GatewayAdminGrpcService
    extends GatewayAdminServiceGrpc.GatewayAdminServiceImplBase {
  private static final Logger log = LoggerFactory.getLogger(GatewayAdminGrpcService.class);

  private final DeploymentRegistry registry;

  public GatewayAdminGrpcService(DeploymentRegistry registry) {
    this.registry = requireNonNull(registry, "registry");
  }

  @Override
  public void applyDeployment(
      ApplyDeploymentRequest request, StreamObserver<ApplyDeploymentResponse> response) {
    requireControlPlane();
    DeploymentRegistry.Applied applied = registry.apply(request);
    var d = request.getDeployment();
    log.info(
        "deployment {} applied: {}/{} v{} (generation {}, key generation {})",
        d.getDeploymentId(),
        d.getOrg(),
        d.getWorkflowId(),
        d.getVersion(),
        applied.generation(),
        applied.keyGeneration());
    response.onNext(
        ApplyDeploymentResponse.newBuilder()
            .setAppliedGeneration(applied.generation())
            .setAppliedKeyGeneration(applied.keyGeneration())
            .build());
    response.onCompleted();
  }

  @Override
  public void applyKeySet(
      ApplyKeySetRequest request, StreamObserver<ApplyKeySetResponse> response) {
    requireControlPlane();
    long held = registry.applyKeySet(request.getKeySet());
    log.info(
        "key set of {} at generation {}: holding generation {}",
        request.getKeySet().getOrg(),
        request.getKeySet().getGeneration(),
        held);
    response.onNext(ApplyKeySetResponse.newBuilder().setAppliedKeyGeneration(held).build());
    response.onCompleted();
  }

  @Override
  public void removeDeployment(
      RemoveDeploymentRequest request, StreamObserver<RemoveDeploymentResponse> response) {
    requireControlPlane();
    long applied =
        registry.remove(request.getOrg(), request.getWorkflowId(), request.getGeneration());
    response.onNext(RemoveDeploymentResponse.newBuilder().setAppliedGeneration(applied).build());
    response.onCompleted();
  }

  @Override
  public void getGatewayState(
      GetGatewayStateRequest request, StreamObserver<GetGatewayStateResponse> response) {
    requireControlPlane();
    response.onNext(
        GetGatewayStateResponse.newBuilder()
            .addAllDeployments(registry.deployments(request.getOrg()))
            .setAppliedGeneration(registry.appliedGeneration())
            .addAllKeySets(registry.keySets(request.getOrg()))
            .build());
    response.onCompleted();
  }

  private static void requireControlPlane() {
    Principal caller = AuthContext.principal();
    if (caller.kind() != PrincipalKind.SERVICE || !caller.hasRole(ServiceRoles.CONTROL_PLANE)) {
      throw NexusException.of(
          ErrorReason.ERROR_REASON_PERMISSION_DENIED,
          "only the control plane's service account may manage deployments");
    }
  }
}
