package io.nexusmesh.client;

import io.nexusmesh.api.controlplane.v1.DeleteSecretRequest;
import io.nexusmesh.api.controlplane.v1.ListSecretsRequest;
import io.nexusmesh.api.controlplane.v1.Secret;
import io.nexusmesh.api.controlplane.v1.SecretServiceGrpc;
import io.nexusmesh.api.controlplane.v1.SetSecretRequest;
import java.util.List;
import java.util.UUID;

/**
 * Secrets of the caller's organisation, referenced by http nodes as {@code {{secrets.NAME}}}.
 * Values are write-only: what comes back is names, versions and times.
 */
public final class Secrets {
  private final Endpoint endpoint;

  Secrets(Endpoint endpoint) {
    this.endpoint = endpoint;
  }

  private SecretServiceGrpc.SecretServiceBlockingStub stub() {
    return endpoint.unary(SecretServiceGrpc.newBlockingStub(endpoint.channel()));
  }

  /** Creates {@code name} or gives it a new value (admins); safe to retry. */
  public Secret set(String name, String value) {
    return stub()
        .setSecret(
            SetSecretRequest.newBuilder()
                .setName(name)
                .setValue(value)
                .setRequestId(UUID.randomUUID().toString())
                .build())
        .getSecret();
  }

  /** Every secret of the organisation (all pages), without values. */
  public List<Secret> list() {
    return Pages.all(
        token ->
            stub()
                .listSecrets(
                    ListSecretsRequest.newBuilder()
                        .setPageSize(Pages.SIZE)
                        .setPageToken(token)
                        .build()),
        r -> r.getSecretsList(),
        r -> r.getNextPageToken());
  }

  /** Deletes {@code name} (admins); steps that use it fail from then on. */
  public Secret delete(String name) {
    return stub()
        .deleteSecret(
            DeleteSecretRequest.newBuilder()
                .setName(name)
                .setRequestId(UUID.randomUUID().toString())
                .build())
        .getSecret();
  }
}
