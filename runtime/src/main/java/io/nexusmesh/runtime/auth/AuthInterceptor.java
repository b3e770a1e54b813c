package io.nexusmesh.runtime.auth;

import static java.util.Objects.requireNonNull;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.nexusmesh.runtime.error.Calls;
import io.nexusmesh.runtime.error.NexusException;
import java.util.Set;

/**
 * Requires a credential on every RPC except those of the public services (health checks and
 * reflection), and makes the caller's {@link Principal} available through {@link AuthContext}.
 * Applies alike to gRPC, gRPC-Web, unframed and transcoded REST calls, which all reach the same
 * gRPC handlers.
 */
public final class AuthInterceptor implements ServerInterceptor {
  /** Services anyone may call: load balancers' health checks and schema discovery. */
  public static final Set<String> PUBLIC_SERVICES =
      Set.of(
          "grpc.health.v1.Health",
          "grpc.reflection.v1.ServerReflection",
          "grpc.reflection.v1alpha.ServerReflection");

  private static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  private final Authenticator authenticator;

  public AuthInterceptor(Authenticator authenticator) {
    this.authenticator = requireNonNull(authenticator, "authenticator");
  }

  @Override
  public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
      ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
    if (PUBLIC_SERVICES.contains(call.getMethodDescriptor().getServiceName())) {
      return next.startCall(call, headers);
    }
    Principal principal;
    try {
      principal = authenticator.authenticate(headers.get(AUTHORIZATION));
    } catch (NexusException e) {
      Calls.close(call, e);
      return new ServerCall.Listener<>() {};
    }
    Context context = Context.current().withValue(AuthContext.PRINCIPAL, principal);
    return Contexts.interceptCall(context, call, headers, next);
  }
}
