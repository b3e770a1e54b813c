package io.nexusmesh.runtime.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.server.Server;
import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.nexusmesh.runtime.auth.Authenticator;
import io.nexusmesh.runtime.error.NexusException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The recipe's health endpoints with dependencies whose probes a test flips: liveness stays 200 and
 * says which dependency is down; readiness and the gRPC server status follow the required ones
 * only; each dependency is a gRPC health service of its own; a probe that hangs counts as down.
 */
class DependencyHealthTest {
  private final AtomicBoolean database = new AtomicBoolean(true);
  private final AtomicBoolean controlPlane = new AtomicBoolean(true);
  private Server server;
  private ManagedChannel channel;
  private WebClient http;

  @BeforeEach
  void start() {
    Authenticator refuseAll =
        authorization -> {
          throw NexusException.of(
              io.nexusmesh.api.common.v1.ErrorReason.ERROR_REASON_CREDENTIALS_INVALID, "none here");
        };
    DependencyHealth dependencies =
        DependencyHealth.probedEvery(Duration.ofMillis(50))
            .with("database", () -> CompletableFuture.completedFuture(database.get()))
            .withOptional(
                "control-plane", () -> CompletableFuture.completedFuture(controlPlane.get()))
            .withOptional("stuck", CompletableFuture::new); // never answers
    server =
        NexusServer.builder(NexusServerOptions.defaults("health", 0).withDependencies(dependencies))
            .addService(new SampleWorkflowService())
            .authenticator(refuseAll)
            .build();
    server.start().join();
    channel =
        NettyChannelBuilder.forAddress("127.0.0.1", server.activeLocalPort())
            .usePlaintext()
            .build();
    http = WebClient.of("http://127.0.0.1:" + server.activeLocalPort());
  }

  @AfterEach
  void stop() {
    channel.shutdownNow();
    server.stop().join();
  }

  @Test
  void requiredDependenciesDecideReadinessAndOptionalOnesDegrade() {
    // "stuck" never answers: after its probe's timeout the component is degraded, still ready.
    AggregatedHttpResponse degraded =
        await()
            .atMost(Duration.ofSeconds(10))
            .until(
                () -> get(NexusServer.HEALTH_PATH),
                r ->
                    r.contentUtf8().contains("\"stuck\":\"DOWN\"")
                        && r.contentUtf8().contains("\"database\":\"UP\""));
    assertThat(degraded.status().code()).isEqualTo(200);
    assertThat(degraded.contentUtf8()).startsWith("{\"status\":\"DEGRADED\"");
    assertThat(get(NexusServer.READY_PATH).status().code()).isEqualTo(200);
    assertThat(grpc("")).isEqualTo(ServingStatus.SERVING);
    assertThat(grpc("database")).isEqualTo(ServingStatus.SERVING);
    assertThat(grpc("stuck")).isEqualTo(ServingStatus.NOT_SERVING);

    // An optional dependency going down changes nothing but its own state.
    controlPlane.set(false);
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> grpc("control-plane") == ServingStatus.NOT_SERVING);
    assertThat(get(NexusServer.READY_PATH).status().code()).isEqualTo(200);

    // A required one makes the component unready, on HTTP and gRPC; liveness stays 200.
    database.set(false);
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> get(NexusServer.READY_PATH).status().code() == 503);
    AggregatedHttpResponse down = get(NexusServer.HEALTH_PATH);
    assertThat(down.status().code()).isEqualTo(200);
    assertThat(down.contentUtf8())
        .startsWith("{\"status\":\"DOWN\"")
        .contains("\"database\":\"DOWN\"");
    assertThat(grpc("")).isEqualTo(ServingStatus.NOT_SERVING);

    database.set(true);
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> get(NexusServer.READY_PATH).status().code() == 200);
    assertThat(grpc("")).isEqualTo(ServingStatus.SERVING);
  }

  private AggregatedHttpResponse get(String path) {
    return http.get(path).aggregate().join();
  }

  private ServingStatus grpc(String service) {
    return HealthGrpc.newBlockingStub(channel)
        .withDeadlineAfter(5, TimeUnit.SECONDS)
        .check(HealthCheckRequest.newBuilder().setService(service).build())
        .getStatus();
  }
}
