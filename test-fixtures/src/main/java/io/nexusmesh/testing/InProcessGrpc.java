package io.nexusmesh.testing;

import io.grpc.BindableService;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A grpc-java in-process server and a channel to it, for unit tests of service classes and
 * interceptors without sockets. Close it (try-with-resources) to stop both.
 */
public final class InProcessGrpc implements AutoCloseable {
  private final Server server;
  private final ManagedChannel channel;

  private InProcessGrpc(Server server, ManagedChannel channel) {
    this.server = server;
    this.channel = channel;
  }

  /**
   * Serves {@code service} behind {@code interceptors} (the last one runs first, as in grpc-java's
   * {@code ServerInterceptors.intercept}).
   */
  public static InProcessGrpc serve(BindableService service, List<ServerInterceptor> interceptors) {
    String name = InProcessServerBuilder.generateName();
    try {
      Server server =
          InProcessServerBuilder.forName(name)
              .directExecutor()
              .addService(ServerInterceptors.intercept(service, interceptors))
              .build()
              .start();
      return new InProcessGrpc(
          server, InProcessChannelBuilder.forName(name).directExecutor().build());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The channel to the server. */
  public ManagedChannel channel() {
    return channel;
  }

  @Override
  public void close() throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }
}
