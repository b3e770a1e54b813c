package io.nexusmesh.runtime.server;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.InternalServer;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Serves {@code grpc.reflection.v1alpha} (the only version grpcurl 1.8 and older tools speak) next
 * to {@code grpc.reflection.v1}, from one Armeria {@code GrpcService}.
 *
 * <p>Armeria accepts a single reflection service per {@code GrpcService}, so this bridge is needed:
 * the two versions have the same messages on the wire, so the v1 implementation is re-registered
 * under the v1alpha method name, and given the list of the server's services the way Armeria gives
 * it to the v1 service.
 */
final class ReflectionV1AlphaBridge {
  private static final String SERVICE = "grpc.reflection.v1alpha.ServerReflection";

  private ReflectionV1AlphaBridge() {}

  /** The v1alpha reflection service, listing the services {@code services} returns. */
  static ServerServiceDefinition create(Supplier<List<ServerServiceDefinition>> services) {
    ServerServiceDefinition v1 = ProtoReflectionServiceV1.newInstance().bindService();
    ServerMethodDefinition<?, ?> method = v1.getMethods().iterator().next();
    ServerMethodDefinition<?, ?> renamed = rename(method);
    ServiceDescriptor descriptor =
        ServiceDescriptor.newBuilder(SERVICE)
            .setSchemaDescriptor(
                io.grpc.reflection.v1alpha.ServerReflectionGrpc.getServiceDescriptor()
                    .getSchemaDescriptor())
            .addMethod(renamed.getMethodDescriptor())
            .build();
    ServerServiceDefinition bridged =
        ServerServiceDefinition.builder(descriptor).addMethod(renamed).build();
    return io.grpc.ServerInterceptors.intercept(bridged, withServer(services));
  }

  private static <ReqT, RespT> ServerMethodDefinition<ReqT, RespT> rename(
      ServerMethodDefinition<ReqT, RespT> method) {
    MethodDescriptor<ReqT, RespT> descriptor =
        method.getMethodDescriptor().toBuilder()
            .setFullMethodName(
                MethodDescriptor.generateFullMethodName(
                    SERVICE, method.getMethodDescriptor().getBareMethodName()))
            .setSchemaDescriptor(null)
            .build();
    return ServerMethodDefinition.create(descriptor, method.getServerCallHandler());
  }

  private static ServerInterceptor withServer(Supplier<List<ServerServiceDefinition>> services) {
    Server listing = new ServiceListing(services);
    return new ServerInterceptor() {
      @Override
      public <ReqT, RespT> io.grpc.ServerCall.Listener<ReqT> interceptCall(
          io.grpc.ServerCall<ReqT, RespT> call,
          io.grpc.Metadata headers,
          ServerCallHandler<ReqT, RespT> next) {
        Context context = Context.current().withValue(InternalServer.SERVER_CONTEXT_KEY, listing);
        return Contexts.interceptCall(context, call, headers, next);
      }
    };
  }

  /** An {@link io.grpc.Server} that only lists services, which is all reflection asks of it. */
  private static final class ServiceListing extends Server {
    private final Supplier<List<ServerServiceDefinition>> services;

    ServiceListing(Supplier<List<ServerServiceDefinition>> services) {
      this.services = services;
    }

    @Override
    public List<ServerServiceDefinition> getServices() {
      return services.get();
    }

    @Override
    public List<ServerServiceDefinition> getImmutableServices() {
      return services.get();
    }

    @Override
    public List<ServerServiceDefinition> getMutableServices() {
      return List.of();
    }

    @Override
    public Server start() {
      return this;
    }

    @Override
    public Server shutdown() {
      return this;
    }

    @Override
    public Server shutdownNow() {
      return this;
    }

    @Override
    public boolean isShutdown() {
      return false;
    }

    @Override
    public boolean isTerminated() {
      return false;
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) {
      return true;
    }

    @Override
    public void awaitTermination() {}
  }
}
