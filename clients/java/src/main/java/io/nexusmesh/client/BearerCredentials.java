package io.nexusmesh.client;

import static java.util.Objects.requireNonNull;

import io.grpc.CallCredentials;
import io.grpc.Metadata;
import io.grpc.Status;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * Sends {@code Authorization: Bearer <credential>} on every call, asking {@code credential} each
 * time so that a provider can refresh expiring tokens. Written here because grpc-java's own OAuth
 * credentials need Google's auth library, which knows no generic OIDC issuer.
 */
final class BearerCredentials extends CallCredentials {
  private static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  private final Supplier<String> credential;

  BearerCredentials(Supplier<String> credential) {
    this.credential = requireNonNull(credential, "credential");
  }

  @Override
  public void applyRequestMetadata(
      RequestInfo requestInfo, Executor appExecutor, MetadataApplier applier) {
    appExecutor.execute(
        () -> {
          try {
            Metadata headers = new Metadata();
            headers.put(AUTHORIZATION, "Bearer " + credential.get());
            applier.apply(headers);
          } catch (RuntimeException e) {
            applier.fail(
                Status.UNAUTHENTICATED
                    .withDescription("could not obtain a credential: " + e.getMessage())
                    .withCause(e));
          }
        });
  }
}
