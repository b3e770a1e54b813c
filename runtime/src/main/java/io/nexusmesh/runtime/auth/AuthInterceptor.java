package io.nexusmesh.runtime.auth;

import static java.util.Objects.requireNonNull;

import com.linecorp.armeria.server.ServiceRequestContext;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.nexusmesh.api.common.v1.ErrorReason;
import io.nexusmesh.runtime.error.Calls;
import io.nexusmesh.runtime.error.NexusException;
import io.nexusmesh.runtime.telemetry.Tracing;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;

/**
 * Requires a credential on every RPC except those of the public services (health checks and
 * reflection), and makes the caller's {@link Principal} available through {@link AuthContext}.
 * Applies alike to gRPC, gRPC-Web, unframed and transcoded REST calls, which all reach the same
 * gRPC handlers.
 *
 * <p>A call served on the event loop (a method not marked blocking) whose credential may take a
 * blocking check (a token: its issuer's keys may have to be fetched) is checked on the blocking
 * task executor and started on the event loop afterwards; its events wait meanwhile. API keys are
 * checked where the call runs.
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
    String authorization = headers.get(AUTHORIZATION);
    ServiceRequestContext ctx = ServiceRequestContext.currentOrNull();
    if (ctx == null || !ctx.eventLoop().inEventLoop() || !authenticator.mayBlock(authorization)) {
      return start(call, headers, next, Context.current(), outcome(authorization));
    }
    Context context = Context.current();
    DeferredListener<ReqT> deferred =
        new DeferredListener<>(cause -> Calls.close(call, ctx, cause));
    CompletableFuture.supplyAsync(() -> outcome(authorization), ctx.blockingTaskExecutor())
        .handleAsync(
            (outcome, failure) -> {
              Outcome checked =
                  failure == null
                      ? outcome
                      : new Refused(
                          NexusException.of(
                              ErrorReason.ERROR_REASON_INTERNAL, "the credential check failed"));
              deferred.start(() -> start(call, headers, next, context, checked));
              return null;
            },
            ctx.eventLoop());
    return deferred;
  }

  /** What checking a credential found: the caller, or why it was refused. */
  private sealed interface Outcome permits Accepted, Refused {}

  private record Accepted(Principal principal) implements Outcome {}

  private record Refused(NexusException reason) implements Outcome {}

  private Outcome outcome(@Nullable String authorization) {
    try {
      return new Accepted(authenticator.authenticate(authorization));
    } catch (NexusException e) {
      return new Refused(e);
    }
  }

  private static <ReqT, RespT> ServerCall.Listener<ReqT> start(
      ServerCall<ReqT, RespT> call,
      Metadata headers,
      ServerCallHandler<ReqT, RespT> next,
      Context context,
      Outcome outcome) {
    return switch (outcome) {
      case Refused refused -> {
        Calls.close(call, refused.reason());
        yield new ServerCall.Listener<>() {};
      }
      case Accepted accepted -> {
        // The request's span names the organisation: what lets a trace be shown to it alone.
        Tracing.setServerAttribute(Tracing.ORG, accepted.principal().org());
        yield Contexts.interceptCall(
            context.withValue(AuthContext.PRINCIPAL, accepted.principal()), call, headers, next);
      }
    };
  }
}
