package io.nexusmesh.client;

import io.nexusmesh.api.controlplane.v1.ApiKey;
import io.nexusmesh.api.controlplane.v1.ApiKeyServiceGrpc;
import io.nexusmesh.api.controlplane.v1.CreateApiKeyRequest;
import io.nexusmesh.api.controlplane.v1.CreateApiKeyResponse;
import io.nexusmesh.api.controlplane.v1.ListApiKeysRequest;
import io.nexusmesh.api.controlplane.v1.RevokeApiKeyRequest;
import java.util.List;

/** API keys of the caller's organisation: what apps and agents run workflows with. */
public final class ApiKeys {
  private final Endpoint endpoint;

  ApiKeys(Endpoint endpoint) {
    this.endpoint = endpoint;
  }

  private ApiKeyServiceGrpc.ApiKeyServiceBlockingStub stub() {
    return endpoint.unary(ApiKeyServiceGrpc.newBlockingStub(endpoint.channel()));
  }

  /**
   * Creates a key; the answer holds its secret, shown this once. {@code allowedWorkflowIds} limits
   * the workflows it may run (all when empty).
   */
  public CreateApiKeyResponse create(String displayName, List<String> allowedWorkflowIds) {
    return stub()
        .createApiKey(
            CreateApiKeyRequest.newBuilder()
                .setDisplayName(displayName)
                .addAllAllowedWorkflowIds(allowedWorkflowIds)
                .build());
  }

  /** Every key of the organisation, revoked ones included (all pages). */
  public List<ApiKey> list() {
    return Pages.all(
        token ->
            stub()
                .listApiKeys(
                    ListApiKeysRequest.newBuilder()
                        .setPageSize(Pages.SIZE)
                        .setPageToken(token)
                        .build()),
        r -> r.getApiKeysList(),
        r -> r.getNextPageToken());
  }

  /** Revokes key {@code id}: gateways refuse it from their next deployment push on. */
  public ApiKey revoke(String id) {
    return stub().revokeApiKey(RevokeApiKeyRequest.newBuilder().setId(id).build()).getApiKey();
  }
}
