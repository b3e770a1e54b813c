package io.nexusmesh.controlplane.apikey;

import static io.nexusmesh.controlplane.Unary.reply;
import static java.util.Objects.requireNonNull;

import com.linecorp.armeria.server.annotation.Blocking;
import io.grpc.stub.StreamObserver;
import io.nexusmesh.api.controlplane.v1.ApiKeyServiceGrpc;
import io.nexusmesh.api.controlplane.v1.CreateApiKeyRequest;
import io.nexusmesh.api.controlplane.v1.CreateApiKeyResponse;
import io.nexusmesh.api.controlplane.v1.ListApiKeysRequest;
import io.nexusmesh.api.controlplane.v1.ListApiKeysResponse;
import io.nexusmesh.api.controlplane.v1.RevokeApiKeyRequest;
import io.nexusmesh.api.controlplane.v1.RevokeApiKeyResponse;
import io.nexusmesh.controlplane.authz.Authz;
import io.nexusmesh.controlplane.authz.Permission;
import io.nexusmesh.controlplane.deployment.RolloutPusher;
import io.nexusmesh.controlplane.store.ApiKeyStore;
import io.nexusmesh.controlplane.store.Mutations;
import io.nexusmesh.controlplane.store.Mutations.Change;
import io.nexusmesh.controlplane.store.PageTokens;
import io.nexusmesh.runtime.auth.ApiKeys;
import io.nexusmesh.runtime.auth.Principal;
import io.nexusmesh.runtime.error.NexusException;
import org.springframework.stereotype.Component;

/**
 * {@code nexus.controlplane.v1.ApiKeyService}: an organisation's data-plane API keys. The secret
 * exists only in the create response; the store keeps its SHA-256, and a retried create (same
 * {@code request_id}) returns the key without its secret.
 */
@Component
@Blocking
public class ApiKeyGrpcService extends ApiKeyServiceGrpc.ApiKeyServiceImplBase {
  private final ApiKeyStore store;
  private final Mutations mutations;
  private final RolloutPusher pusher;

  public ApiKeyGrpcService(ApiKeyStore store, Mutations mutations, RolloutPusher pusher) {
    this.store = requireNonNull(store, "store");
    this.mutations = requireNonNull(mutations, "mutations");
    this.pusher = requireNonNull(pusher, "pusher");
  }

  @Override
  public void createApiKey(
      CreateApiKeyRequest request, StreamObserver<CreateApiKeyResponse> response) {
    Principal caller = Authz.require(Permission.API_KEYS_MANAGE);
    store.ensureGeneration(caller.org());
    reply(
        response,
        mutations.run(
            caller,
            ApiKeyServiceGrpc.getCreateApiKeyMethod().getFullMethodName(),
            request.getRequestId(),
            CreateApiKeyResponse.parser(),
            now -> {
              ApiKeys.NewKey key = ApiKeys.generate();
              var stored =
                  store.insert(
                      caller.org(),
                      key.id(),
                      key.sha256(),
                      request.getDisplayName(),
                      request.getAllowedWorkflowIdsList(),
                      caller.subject(),
                      now);
              store.advanceGeneration(caller.org());
              return new Change<>(
                  CreateApiKeyResponse.newBuilder()
                      .setApiKey(stored)
                      .setSecret(key.secret())
                      .build(),
                  stored.getName());
            },
            created -> created.toBuilder().clearSecret().build()));
    // Committed: every healthy gateway of the org gets the key set of the new generation.
    pusher.refreshKeys(caller.org());
  }

  @Override
  public void listApiKeys(
      ListApiKeysRequest request, StreamObserver<ListApiKeysResponse> response) {
    Principal caller = Authz.require(Permission.API_KEYS_MANAGE);
    int size = PageTokens.size(request.getPageSize());
    long before = PageTokens.decodePosition("apiKeys", request.getPageToken(), Long.MAX_VALUE);
    var rows = store.list(caller.org(), before, size + 1);
    var page = ListApiKeysResponse.newBuilder();
    rows.stream().limit(size).forEach(row -> page.addApiKeys(row.key()));
    if (rows.size() > size) {
      page.setNextPageToken(PageTokens.encode("apiKeys", Long.toString(rows.get(size - 1).seq())));
    }
    reply(response, page.build());
  }

  @Override
  public void revokeApiKey(
      RevokeApiKeyRequest request, StreamObserver<RevokeApiKeyResponse> response) {
    Principal caller = Authz.require(Permission.API_KEYS_MANAGE);
    store.ensureGeneration(caller.org());
    reply(
        response,
        mutations.run(
            caller,
            ApiKeyServiceGrpc.getRevokeApiKeyMethod().getFullMethodName(),
            request.getRequestId(),
            RevokeApiKeyResponse.parser(),
            now -> {
              var revoked =
                  store
                      .revoke(caller.org(), request.getId(), now)
                      .orElseThrow(() -> NexusException.notFound("API key", request.getId()));
              store.advanceGeneration(caller.org());
              return new Change<>(
                  RevokeApiKeyResponse.newBuilder().setApiKey(revoked).build(), revoked.getName());
            }));
    pusher.refreshKeys(caller.org());
  }
}
