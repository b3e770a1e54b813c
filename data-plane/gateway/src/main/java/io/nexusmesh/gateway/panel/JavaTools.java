package io.nexusmesh.gateway.panel;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import io.nexusmesh.api.sidecar.v1.InvokeToolRequest;
import io.nexusmesh.api.sidecar.v1.InvokeToolResponse;
import io.nexusmesh.api.sidecar.v1.SidecarServiceGrpc;
import io.nexusmesh.api.sidecar.v1.Tool;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.function.Function;

/**
 * Tools written in Java and run inside the gateway (an embedded gateway's, see {@code
 * NexusGateway}): to the rest of the gateway they are one more panel of the organisation, named
 * {@value #PANEL} — MCP tools {@code java.<name>}, {@code tool} nodes with {@code panel: java} —
 * served by an in-process {@code SidecarService} (grpc-java's in-process transport, one server per
 * instance, so several gateways in one JVM never share one). The calls keep everything a panel's
 * calls get: the bulkhead, the deadline, the journal and the idempotency key ({@code request_id}).
 */
public final class JavaTools implements AutoCloseable {
  /** The panel name Java tools go by. */
  public static final String PANEL = "java";

  /** One tool: a name, what it does, the JSON Schema of its arguments and its handler. */
  public record JavaTool(
      String name, String description, Struct inputSchema, Function<Struct, Value> handler) {
    public JavaTool {
      if (!name.matches("^[A-Za-z][A-Za-z0-9_-]{0,63}$")) {
        throw new IllegalArgumentException(
            "tool name '" + name + "': a letter, then letters, digits, '_' or '-' (64 at most)");
      }
      requireNonNull(description, "description");
      requireNonNull(inputSchema, "inputSchema");
      requireNonNull(handler, "handler");
    }

    Tool asTool() {
      return Tool.newBuilder()
          .setName(name)
          .setDesc(description)
          .setInputSchema(inputSchema)
          .build();
    }
  }

  private final String org;
  private final Map<String, JavaTool> tools;
  private final String endpoint;
  private final Server server;
  private final ManagedChannel channel;

  private JavaTools(String org, List<JavaTool> tools) {
    this.org = requireNonNull(org, "org");
    this.tools = new java.util.LinkedHashMap<>();
    tools.forEach(t -> this.tools.put(t.name(), t));
    String name = "nexus-java-tools-" + UUID.randomUUID();
    this.endpoint = "inprocess:" + name;
    try {
      this.server =
          InProcessServerBuilder.forName(name)
              .executor(Executors.newVirtualThreadPerTaskExecutor())
              .addService(new Service())
              .build()
              .start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    this.channel = InProcessChannelBuilder.forName(name).directExecutor().build();
  }

  /** {@code tools} of organisation {@code org}. */
  public static JavaTools of(String org, List<JavaTool> tools) {
    return new JavaTools(org, tools);
  }

  /** The organisation's Java tools as a reachable panel, when it has any. */
  public Optional<ReachablePanel> panel(String org) {
    if (!this.org.equals(org) || tools.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(
        new ReachablePanel(
            org,
            PANEL,
            endpoint,
            "in-process",
            tools.values().stream().map(JavaTool::asTool).toList(),
            ""));
  }

  /** {@code sidecars}, with this gateway's Java tools reached in process. */
  public SidecarStubs around(SidecarStubs sidecars) {
    return new SidecarStubs() {
      @Override
      public SidecarServiceGrpc.SidecarServiceFutureStub stub(ReachablePanel panel) {
        return panel.endpoint().equals(endpoint)
            ? SidecarServiceGrpc.newFutureStub(channel)
            : sidecars.stub(panel);
      }

      @Override
      public void close() {
        sidecars.close();
      }
    };
  }

  @Override
  public void close() {
    channel.shutdownNow();
    server.shutdownNow();
  }

  /** The in-process sidecar: runs the handler, a thrown exception as FAILED_PRECONDITION. */
  private final class Service extends SidecarServiceGrpc.SidecarServiceImplBase {
    @Override
    public void invokeTool(InvokeToolRequest request, StreamObserver<InvokeToolResponse> response) {
      JavaTool tool = tools.get(request.getTool());
      if (tool == null) {
        response.onError(
            Status.NOT_FOUND.withDescription("no Java tool " + request.getTool()).asException());
        return;
      }
      Value result;
      try {
        result = tool.handler().apply(request.getArguments());
      } catch (RuntimeException e) {
        response.onError(
            Status.FAILED_PRECONDITION
                .withDescription("Java tool " + tool.name() + " failed: " + e.getMessage())
                .asException());
        return;
      }
      response.onNext(InvokeToolResponse.newBuilder().setResult(result).build());
      response.onCompleted();
    }
  }
}
