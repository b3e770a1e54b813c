package io.nexusmesh.controlplane;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.stub.StreamObserver;
import io.nexusmesh.api.controlplane.v1.AuditEvent;
import io.nexusmesh.api.controlplane.v1.AuditServiceGrpc;
import io.nexusmesh.api.controlplane.v1.CreateWorkflowRequest;
import io.nexusmesh.api.controlplane.v1.StreamAuditEventsRequest;
import io.nexusmesh.api.controlplane.v1.StreamAuditEventsResponse;
import io.nexusmesh.api.controlplane.v1.Workflow;
import io.nexusmesh.api.controlplane.v1.WorkflowServiceGrpc;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The live audit tail, as a gRPC server stream and as Server-Sent Events: committed changes of the
 * caller's organisation arrive, other organisations' never do.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AuditStreamTest {
  private ControlPlaneHarness cp;
  private final AtomicInteger counter = new AtomicInteger();

  @BeforeAll
  void start() throws Exception {
    cp = ControlPlaneHarness.start();
  }

  @AfterAll
  void stop() throws Exception {
    cp.close();
  }

  private String createWorkflow(String org) {
    String id = "live-" + counter.incrementAndGet();
    cp.as(WorkflowServiceGrpc.newBlockingStub(cp.channel), cp.token("alice", org, "admin"))
        .createWorkflow(
            CreateWorkflowRequest.newBuilder()
                .setWorkflow(Workflow.newBuilder().setId(id))
                .build());
    return "workflows/" + id;
  }

  @Test
  void grpcStreamCarriesOnlyTheCallersOrg() {
    String org = "org-" + UUID.randomUUID();
    String other = "org-" + UUID.randomUUID();
    BlockingQueue<AuditEvent> received = new LinkedBlockingQueue<>();
    var call = io.grpc.Context.current().withCancellation();
    call.run(
        () ->
            cp.as(AuditServiceGrpc.newStub(cp.channel), cp.token("auditor", org, "viewer"))
                .withDeadlineAfter(60, TimeUnit.SECONDS)
                .streamAuditEvents(
                    StreamAuditEventsRequest.getDefaultInstance(),
                    new StreamObserver<StreamAuditEventsResponse>() {
                      @Override
                      public void onNext(StreamAuditEventsResponse value) {
                        received.add(value.getAuditEvent());
                      }

                      @Override
                      public void onError(Throwable t) {}

                      @Override
                      public void onCompleted() {}
                    }));
    try {
      // The subscription starts asynchronously: change things until the stream shows one.
      Awaitility.await()
          .atMost(Duration.ofSeconds(20))
          .pollInterval(Duration.ofMillis(200))
          .until(
              () -> {
                createWorkflow(other);
                createWorkflow(org);
                return !received.isEmpty();
              });
      assertThat(received).allSatisfy(e -> assertThat(e.getOrg()).isEqualTo(org));
      assertThat(received.peek().getAction()).endsWith("/CreateWorkflow");
    } finally {
      call.cancel(null);
    }
  }

  @Test
  void sseStreamCarriesEventsAsJson() throws Exception {
    String org = "org-" + UUID.randomUUID();
    var http = io.nexusmesh.testing.TestHttp.client();
    BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    CompletableFuture<HttpResponse<Stream<String>>> response =
        http.sendAsync(
            HttpRequest.newBuilder(URI.create(cp.baseUrl() + "/v1/auditEvents:stream"))
                .header("authorization", "Bearer " + cp.token("auditor", org, "admin"))
                .header("accept", "text/event-stream")
                .build(),
            HttpResponse.BodyHandlers.ofLines());
    var reader = response.thenAcceptAsync(r -> r.body().forEach(lines::add));
    try {
      Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> lines.contains(":subscribed"));
      assertThat(response.get().statusCode()).isEqualTo(200);
      assertThat(response.get().headers().firstValue("content-type"))
          .hasValueSatisfying(v -> assertThat(v).startsWith("text/event-stream"));
      createWorkflow("org-" + UUID.randomUUID());
      String resource = createWorkflow(org);
      Awaitility.await()
          .atMost(Duration.ofSeconds(20))
          .until(() -> lines.stream().anyMatch(l -> l.startsWith("data:") && l.contains(resource)));
      List<String> data = lines.stream().filter(l -> l.startsWith("data:")).toList();
      assertThat(data).hasSize(1);
      assertThat(data.get(0)).contains("\"org\":\"" + org + "\"").contains("CreateWorkflow");
      assertThat(lines).contains("event:audit");
    } finally {
      reader.cancel(true);
      response.cancel(true);
    }
  }

  @Test
  void sseNeedsACredentialAndTheRole() throws Exception {
    var http = io.nexusmesh.testing.TestHttp.client();
    var anonymous =
        http.send(
            HttpRequest.newBuilder(URI.create(cp.baseUrl() + "/v1/auditEvents:stream")).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(anonymous.statusCode()).isEqualTo(401);
    assertThat(anonymous.body()).contains("CREDENTIALS_MISSING");
    var developer =
        http.send(
            HttpRequest.newBuilder(URI.create(cp.baseUrl() + "/v1/auditEvents:stream"))
                .header("authorization", "Bearer " + cp.token("dev", "o", "developer"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(developer.statusCode()).isEqualTo(403);
  }
}
