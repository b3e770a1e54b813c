package io.nexusmesh.controlplane.secret;

import static io.nexusmesh.controlplane.Unary.reply;
import static java.util.Objects.requireNonNull;

import com.linecorp.armeria.server.annotation.Blocking;
import io.grpc.stub.StreamObserver;
import io.nexusmesh.api.controlplane.v1.DeleteSecretRequest;
import io.nexusmesh.api.controlplane.v1.DeleteSecretResponse;
import io.nexusmesh.api.controlplane.v1.GetSecretRequest;
import io.nexusmesh.api.controlplane.v1.GetSecretResponse;
import io.nexusmesh.api.controlplane.v1.ListSecretsRequest;
import io.nexusmesh.api.controlplane.v1.ListSecretsResponse;
import io.nexusmesh.api.controlplane.v1.SecretServiceGrpc;
import io.nexusmesh.api.controlplane.v1.SetSecretRequest;
import io.nexusmesh.api.controlplane.v1.SetSecretResponse;
import io.nexusmesh.controlplane.authz.Authz;
import io.nexusmesh.controlplane.authz.Permission;
import io.nexusmesh.controlplane.deployment.RolloutPusher;
import io.nexusmesh.controlplane.store.ApiKeyStore;
import io.nexusmesh.controlplane.store.Mutations;
import io.nexusmesh.controlplane.store.Mutations.Change;
import io.nexusmesh.controlplane.store.PageTokens;
import io.nexusmesh.controlplane.store.SecretStore;
import io.nexusmesh.runtime.auth.Principal;
import io.nexusmesh.runtime.error.NexusException;
import org.springframework.stereotype.Component;

/**
 * {@code nexus.controlplane.v1.SecretService}: an organisation's secrets. Values go in and never
 * come out: they are encrypted before they reach the store, and every answer, audit event and
 * remembered (idempotent) response carries metadata only. A change advances the organisation's key
 * generation in its transaction and is then pushed to the organisation's gateways.
 */
@Component
@Blocking
public class SecretGrpcService extends SecretServiceGrpc.SecretServiceImplBase {
  private final SecretStore store;
  private final SecretCipher cipher;
  private final ApiKeyStore generations;
  private final Mutations mutations;
  private final RolloutPusher pusher;

  public SecretGrpcService(
      SecretStore store,
      SecretCipher cipher,
      ApiKeyStore generations,
      Mutations mutations,
      RolloutPusher pusher) {
    this.store = requireNonNull(store, "store");
    this.cipher = requireNonNull(cipher, "cipher");
    this.generations = requireNonNull(generations, "generations");
    this.mutations = requireNonNull(mutations, "mutations");
    this.pusher = requireNonNull(pusher, "pusher");
  }

  @Override
  public void setSecret(SetSecretRequest request, StreamObserver<SetSecretResponse> response) {
    Principal caller = Authz.require(Permission.SECRETS_MANAGE);
    generations.ensureGeneration(caller.org());
    var encrypted = cipher.encrypt(caller.org(), request.getName(), request.getValue());
    reply(
        response,
        mutations.run(
            caller,
            SecretServiceGrpc.getSetSecretMethod().getFullMethodName(),
            request.getRequestId(),
            SetSecretResponse.parser(),
            now -> {
              var row =
                  store.put(
                      caller.org(),
                      request.getName(),
                      encrypted.ciphertext(),
                      encrypted.keyId(),
                      caller.subject(),
                      now);
              generations.advanceGeneration(caller.org());
              return new Change<>(
                  SetSecretResponse.newBuilder().setSecret(row.secret()).build(),
                  row.secret().getResourceName());
            }));
    pusher.refreshKeys(caller.org());
  }

  @Override
  public void getSecret(GetSecretRequest request, StreamObserver<GetSecretResponse> response) {
    Principal caller = Authz.require(Permission.SECRETS_READ);
    var row =
        store
            .find(caller.org(), request.getName())
            .orElseThrow(() -> NexusException.notFound("secret", request.getName()));
    reply(response, GetSecretResponse.newBuilder().setSecret(row.secret()).build());
  }

  @Override
  public void listSecrets(
      ListSecretsRequest request, StreamObserver<ListSecretsResponse> response) {
    Principal caller = Authz.require(Permission.SECRETS_READ);
    int size = PageTokens.size(request.getPageSize());
    String after = PageTokens.decode("secrets", request.getPageToken()).orElse("");
    var rows = store.list(caller.org(), after, size + 1);
    var page = ListSecretsResponse.newBuilder();
    rows.stream().limit(size).forEach(row -> page.addSecrets(row.secret()));
    if (rows.size() > size) {
      page.setNextPageToken(PageTokens.encode("secrets", rows.get(size - 1).secret().getName()));
    }
    reply(response, page.build());
  }

  @Override
  public void deleteSecret(
      DeleteSecretRequest request, StreamObserver<DeleteSecretResponse> response) {
    Principal caller = Authz.require(Permission.SECRETS_MANAGE);
    generations.ensureGeneration(caller.org());
    reply(
        response,
        mutations.run(
            caller,
            SecretServiceGrpc.getDeleteSecretMethod().getFullMethodName(),
            request.getRequestId(),
            DeleteSecretResponse.parser(),
            now -> {
              var row =
                  store
                      .delete(caller.org(), request.getName())
                      .orElseThrow(() -> NexusException.notFound("secret", request.getName()));
              generations.advanceGeneration(caller.org());
              return new Change<>(
                  DeleteSecretResponse.newBuilder().setSecret(row.secret()).build(),
                  row.secret().getResourceName());
            }));
    pusher.refreshKeys(caller.org());
  }
}
