package io.nexusmesh.runtime.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.stub.StreamObserver;
import io.nexusmesh.runtime.telemetry.Telemetry;
import io.opentelemetry.api.OpenTelemetry;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * gRPC reflection of the shared recipe, as current clients (v1) and grpcurl 1.8 (v1alpha, through
 * the bridge) use it: both list the services, and v1alpha resolves symbols.
 *
 * <p>Start-up order: see {@link SampleServer}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReflectionTest {
  private SampleServer sample;

  @BeforeAll
  void start() {
    sample = SampleServer.start(Telemetry.of(OpenTelemetry.noop()));
  }

  @AfterAll
  void stop() throws InterruptedException {
    sample.close();
  }

  @Test
  void v1ListsServices() throws Exception {
    var responses = new CompletableFuture<List<String>>();
    var names = new ArrayList<String>();
    var requests =
        io.grpc.reflection.v1.ServerReflectionGrpc.newStub(sample.channel)
            .serverReflectionInfo(
                new StreamObserver<>() {
                  @Override
                  public void onNext(io.grpc.reflection.v1.ServerReflectionResponse value) {
                    value
                        .getListServicesResponse()
                        .getServiceList()
                        .forEach(s -> names.add(s.getName()));
                  }

                  @Override
                  public void onError(Throwable t) {
                    responses.completeExceptionally(t);
                  }

                  @Override
                  public void onCompleted() {
                    responses.complete(names);
                  }
                });
    requests.onNext(
        io.grpc.reflection.v1.ServerReflectionRequest.newBuilder().setListServices("").build());
    requests.onCompleted();
    assertThat(responses.get(10, TimeUnit.SECONDS))
        .contains("nexus.controlplane.v1.WorkflowService", "grpc.health.v1.Health");
  }

  @Test
  void v1alphaListsServicesAndResolvesSymbols() throws Exception {
    var done = new CompletableFuture<Void>();
    var names = new ArrayList<String>();
    var files = new ArrayList<String>();
    var requests =
        io.grpc.reflection.v1alpha.ServerReflectionGrpc.newStub(sample.channel)
            .serverReflectionInfo(
                new StreamObserver<>() {
                  @Override
                  public void onNext(io.grpc.reflection.v1alpha.ServerReflectionResponse value) {
                    value
                        .getListServicesResponse()
                        .getServiceList()
                        .forEach(s -> names.add(s.getName()));
                    value
                        .getFileDescriptorResponse()
                        .getFileDescriptorProtoList()
                        .forEach(
                            f -> {
                              try {
                                files.add(
                                    com.google.protobuf.DescriptorProtos.FileDescriptorProto
                                        .parseFrom(f)
                                        .getName());
                              } catch (com.google.protobuf.InvalidProtocolBufferException e) {
                                done.completeExceptionally(e);
                              }
                            });
                  }

                  @Override
                  public void onError(Throwable t) {
                    done.completeExceptionally(t);
                  }

                  @Override
                  public void onCompleted() {
                    done.complete(null);
                  }
                });
    requests.onNext(
        io.grpc.reflection.v1alpha.ServerReflectionRequest.newBuilder()
            .setListServices("")
            .build());
    requests.onNext(
        io.grpc.reflection.v1alpha.ServerReflectionRequest.newBuilder()
            .setFileContainingSymbol("nexus.controlplane.v1.WorkflowService")
            .build());
    requests.onCompleted();
    done.get(10, TimeUnit.SECONDS);
    assertThat(names).contains("nexus.controlplane.v1.WorkflowService");
    assertThat(files).contains("nexus/controlplane/v1/workflow_service.proto");
  }
}
