package io.nexusmesh.gateway;

import static io.nexusmesh.gateway.GatewayHarness.as;
import static io.nexusmesh.gateway.GatewayHarness.json;
import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.nexusmesh.api.gateway.v1.CreateSessionRequest;
import io.nexusmesh.api.gateway.v1.ExecuteRequest;
import io.nexusmesh.api.gateway.v1.ExecutionServiceGrpc;
import io.nexusmesh.api.gateway.v1.GetSessionRequest;
import io.nexusmesh.api.gateway.v1.SessionServiceGrpc;
import io.nexusmesh.runtime.auth.ApiKeys;
import io.nexusmesh.testing.RedisEndpoint;
import io.nexusmesh.testing.RedisExtension;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Cross-replica sessions with two gateway processes sharing one Redis (each its own JVM, started
 * from this module's classes and checked on /health, after the fixtures' Redis): one client
 * alternates between them inside one MCP session and one Nexus session, and the session's events,
 * published by whichever gateway ran the execution, reach an SSE subscriber on the other.
 */
@ExtendWith(RedisExtension.class)
class CrossReplicaSessionsIT {
  @Test
  void oneSessionAlternatingBetweenTwoGatewayProcesses(RedisEndpoint redis) throws Exception {
    TestIssuer issuer = TestIssuer.shared();
    GatewayProcess a = GatewayProcess.start("gw-replica-a", redis, issuer);
    GatewayProcess b = GatewayProcess.start("gw-replica-b", redis, issuer);
    ManagedChannel toA =
        NettyChannelBuilder.forAddress("127.0.0.1", a.port()).usePlaintext().build();
    ManagedChannel toB =
        NettyChannelBuilder.forAddress("127.0.0.1", b.port()).usePlaintext().build();
    String urlA = "http://127.0.0.1:" + a.port();
    String urlB = "http://127.0.0.1:" + b.port();
    try {
      String org = GatewayHarness.newOrg();
      ApiKeys.NewKey key = ApiKeys.generate();
      for (GatewayProcess gateway : List.of(a, b)) {
        gateway.deploy(issuer, org, "hello", ExecutionApiTest.HELLO, key);
      }

      // The MCP session opens on B; its SSE subscriber listens on A.
      var init =
          McpTest.post(
              urlB,
              key.secret(),
              null,
              "{\"jsonrpc\": \"2.0\", \"id\": 1, \"method\": \"initialize\", \"params\": {\"protocolVersion\": \"2025-06-18\"}}");
      String session = init.session();
      assertThat(session).isNotNull();
      BlockingQueue<String> onA = SessionsTest.subscribeOverSse(urlA, key.secret(), session);

      // Alternating: tools/call on A, on B, on A, and Execute over gRPC on B, all in the session.
      int n = 0;
      for (String gateway : List.of(urlA, urlB, urlA)) {
        var call =
            McpTest.post(
                gateway,
                key.secret(),
                session,
                "{\"jsonrpc\": \"2.0\", \"id\": "
                    + (++n + 1)
                    + ", \"method\": \"tools/call\", \"params\": {\"name\": \"hello\", \"arguments\": {\"name\": \"R"
                    + n
                    + "\"}}}");
        assertThat(call.status()).as(call.body().toString()).isEqualTo(200);
        assertThat(call.body().path("result").path("structuredContent").path("greeting").asText())
            .isEqualTo("Hello, R" + n + "!");
      }
      String viaGrpcOnB =
          as(ExecutionServiceGrpc.newBlockingStub(toB), key.secret())
              .execute(
                  ExecuteRequest.newBuilder()
                      .setWorkflow("hello")
                      .setInput(json("{\"name\": \"gRPC\"}"))
                      .setSessionId(session)
                      .build())
              .getExecutionId();

      // Every one of the four executions reaches the subscriber on A, started and completed.
      int completed = 0;
      boolean sawGrpcRun = false;
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (completed < 4 && System.nanoTime() < until) {
        String event = onA.poll(100, TimeUnit.MILLISECONDS);
        if (event != null && event.contains("EXECUTION_COMPLETED")) {
          completed++;
          sawGrpcRun |= event.contains(viaGrpcOnB);
        }
      }
      assertThat(completed).isEqualTo(4);
      assertThat(sawGrpcRun).isTrue();
      assertThat(
              as(SessionServiceGrpc.newBlockingStub(toA), key.secret())
                  .getSession(GetSessionRequest.newBuilder().setId(session).build())
                  .getSession()
                  .getExecutionIdsList())
          .hasSize(4)
          .contains(viaGrpcOnB);

      // A Nexus session created over gRPC on A serves MCP on B (the same id on every channel).
      String nexusSession =
          as(SessionServiceGrpc.newBlockingStub(toA), key.secret())
              .createSession(CreateSessionRequest.getDefaultInstance())
              .getSession()
              .getId();
      assertThat(
              McpTest.post(
                      urlB,
                      key.secret(),
                      nexusSession,
                      "{\"jsonrpc\": \"2.0\", \"id\": 9, \"method\": \"tools/list\"}")
                  .status())
          .isEqualTo(200);
    } finally {
      toA.shutdownNow();
      toB.shutdownNow();
      a.stop();
      b.stop();
    }
  }
}
