package io.nexusmesh.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.testing.junit5.server.ServerExtension;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.nexusmesh.api.common.v1.ErrorReason;
import io.nexusmesh.api.gateway.v1.ExecuteRequest;
import io.nexusmesh.api.gateway.v1.ExecuteResponse;
import io.nexusmesh.api.gateway.v1.ExecutionStatus;
import io.nexusmesh.client.ErrorDetails;
import io.nexusmesh.testing.RedisEndpoint;
import io.nexusmesh.testing.RedisExtension;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Bulkheads on a real gateway (2 calls at once and 1 waiting per downstream) against a local HTTP
 * service that answers only when the test lets it: the fourth call at once is refused with
 * RESOURCE_EXHAUSTED, {@code BULKHEAD_FULL} and a retry delay, the others finish, and {@code
 * /metrics} shows the bulkhead's state as it goes.
 */
@ExtendWith(RedisExtension.class)
class BulkheadTest {
  static final CompletableFuture<Void> release = new CompletableFuture<>();
  static final java.util.concurrent.ExecutorService callers =
      java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor();

  @RegisterExtension
  static final ServerExtension slow =
      new ServerExtension() {
        @Override
        protected void configure(ServerBuilder sb) {
          sb.service(
              "/slow",
              (ctx, req) ->
                  HttpResponse.of(
                      release.thenApply(
                          v -> HttpResponse.of(HttpStatus.OK, MediaType.JSON_UTF_8, "{}"))));
          sb.service(
              "/fast", (ctx, req) -> HttpResponse.of(HttpStatus.OK, MediaType.JSON_UTF_8, "{}"));
          sb.requestTimeoutMillis(0);
        }
      };

  static GatewayHarness harness;
  static String org;

  @BeforeAll
  static void start(RedisEndpoint redis) {
    harness =
        GatewayHarness.start(
            redis,
            "NEXUS_BULKHEAD_MAX_CONCURRENT=2",
            "NEXUS_BULKHEAD_MAX_QUEUED=1",
            "NEXUS_BULKHEAD_MAX_WAIT=20s");
    org = GatewayHarness.newOrg();
    harness.allowEgress(org, "127.0.0.1:" + slow.httpPort());
    harness.allowEgress(org, "localhost:" + slow.httpPort());
    String base = "http://127.0.0.1:" + slow.httpPort();
    harness.deploy(org, "slow", workflow(base + "/slow"));
    // Another host name for the same service: another downstream, another bulkhead.
    harness.deploy(org, "other", workflow("http://localhost:" + slow.httpPort() + "/fast"));
  }

  private static String workflow(String url) {
    return """
        {"nodes": [{"id": "call", "http": {"url": "%s"}, "timeout": "30s", "retry": {"maxAttempts": 1}}],
         "mode": "EXECUTION_MODE_EPHEMERAL"}"""
        .formatted(url);
  }

  @AfterAll
  static void stop() throws InterruptedException {
    release.complete(null);
    harness.close();
  }

  @Test
  void aFullBulkheadRefusesWithRetryInfoAndTheOthersFinish() throws Exception {
    String downstream = "http:" + org + "/127.0.0.1";
    List<CompletableFuture<ExecuteResponse>> running = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      running.add(CompletableFuture.supplyAsync(() -> execute("slow"), callers));
    }
    await()
        .untilAsserted(
            () -> {
              assertThat(gauge("nexus_bulkhead_active", downstream)).isEqualTo(2);
              assertThat(gauge("nexus_bulkhead_queued", downstream)).isEqualTo(1);
            });

    var refused = catchThrowableOfType(StatusRuntimeException.class, () -> execute("slow"));
    assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(refused.getStatus().getDescription()).contains("bulkhead of " + downstream);
    var details = ErrorDetails.from(refused);
    assertThat(details.reason()).isEqualTo(ErrorReason.ERROR_REASON_BULKHEAD_FULL);
    assertThat(details.metadata()).containsEntry("downstream", downstream);
    assertThat(details.retryDelay()).isPresent();
    assertThat(gauge("nexus_bulkhead_rejected_total", downstream)).isEqualTo(1);

    // Another downstream is not held up by this one.
    assertThat(execute("other").getStatus()).isEqualTo(ExecutionStatus.EXECUTION_STATUS_SUCCEEDED);

    release.complete(null);
    for (var call : running) {
      assertThat(call.get(20, TimeUnit.SECONDS).getStatus())
          .isEqualTo(ExecutionStatus.EXECUTION_STATUS_SUCCEEDED);
    }
    assertThat(gauge("nexus_bulkhead_active", downstream)).isZero();
  }

  private static ExecuteResponse execute(String workflow) {
    return harness
        .executions(org)
        .execute(ExecuteRequest.newBuilder().setWorkflow(workflow).build());
  }

  /** A metric of {@code downstream} as Prometheus scrapes it from the gateway's /metrics. */
  private static double gauge(String name, String downstream) {
    String metrics = WebClient.of(harness.baseUrl()).blocking().get("/metrics").contentUtf8();
    Matcher value =
        Pattern.compile(
                "(?m)^"
                    + name
                    + "\\{[^}]*downstream=\""
                    + Pattern.quote(downstream)
                    + "\"[^}]*} ([0-9.eE+]+)$")
            .matcher(metrics);
    return value.find() ? Double.parseDouble(value.group(1)) : 0;
  }
}
