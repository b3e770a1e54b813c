package io.nexusmesh.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;
import static org.awaitility.Awaitility.await;

import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.testing.junit5.server.ServerExtension;
import io.nexusmesh.api.gateway.v1.CancelExecutionRequest;
import io.nexusmesh.api.gateway.v1.Compensation;
import io.nexusmesh.api.gateway.v1.Execution;
import io.nexusmesh.api.gateway.v1.ExecutionEvent;
import io.nexusmesh.api.gateway.v1.ExecutionStatus;
import io.nexusmesh.api.gateway.v1.GetExecutionRequest;
import io.nexusmesh.api.gateway.v1.StartExecutionRequest;
import io.nexusmesh.api.gateway.v1.WatchExecutionRequest;
import io.nexusmesh.testing.RedisEndpoint;
import io.nexusmesh.testing.RedisExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Sagas through a real gateway and Redis against a local HTTP service that records what it was
 * asked: a failed, a cancelled (while parked) and a timed-out execution each run the compensations
 * of the nodes that completed, in reverse order, and show them in the execution and its events; a
 * failing compensation is retried, reported, and does not stop the others.
 */
@ExtendWith(RedisExtension.class)
class SagaTest {
  static final List<String> calls = new CopyOnWriteArrayList<>();

  @RegisterExtension
  static final ServerExtension travel =
      new ServerExtension() {
        @Override
        protected void configure(ServerBuilder sb) {
          sb.service(
              "prefix:/ok/",
              (ctx, req) -> {
                calls.add(req.method() + " " + ctx.mappedPath());
                return HttpResponse.of(HttpStatus.OK, MediaType.JSON_UTF_8, "{\"ok\":true}");
              });
          sb.service(
              "prefix:/fail/",
              (ctx, req) -> {
                calls.add(req.method() + " " + ctx.mappedPath());
                return HttpResponse.of(HttpStatus.PAYMENT_REQUIRED);
              });
        }
      };

  static GatewayHarness harness;
  static String org;

  @BeforeAll
  static void start(RedisEndpoint redis) {
    harness = GatewayHarness.start(redis);
    org = GatewayHarness.newOrg();
    harness.allowEgress(org, "127.0.0.1:" + travel.httpPort());
  }

  @AfterAll
  static void stop() throws InterruptedException {
    harness.close();
  }

  /** A trip: flight, hotel, then {@code last}; each booking undone by its own compensation. */
  private String trip(String tag, String last, String hotelUndo) {
    String base = "http://127.0.0.1:" + travel.httpPort();
    return """
        {"nodes": [
           {"id": "flight", "http": {"method": "POST", "url": "%1$s/ok/%2$s/flight"}, "compensateWith": "cancel_flight"},
           {"id": "hotel", "http": {"method": "POST", "url": "%1$s/ok/%2$s/hotel"}, "compensateWith": "cancel_hotel"},
           {"id": "note", "transform": {"expression": "'booked'"}},
           %3$s],
         "edges": [{"from": "flight", "to": "hotel"}, {"from": "hotel", "to": "note"}, {"from": "note", "to": "last"}],
         "executionTimeout": "60s",
         "compensations": [
           {"id": "cancel_flight", "http": {"method": "DELETE", "url": "%1$s/ok/%2$s/flight"}},
           {"id": "cancel_hotel", "http": {"method": "DELETE", "url": "%1$s/%4$s/%2$s/hotel"},
            "retry": {"maxAttempts": 2, "initialBackoff": "0.05s", "retryableCodes": ["FAILED_PRECONDITION"]}}]}
        """
        .formatted(base, tag, last, hotelUndo);
  }

  @Test
  void aFailedStepCompensatesWhatCompletedInReverseOrder() {
    String base = "http://127.0.0.1:" + travel.httpPort();
    harness.deploy(
        org,
        "trip-fails",
        trip(
            "a",
            "{\"id\": \"last\", \"http\": {\"method\": \"POST\", \"url\": \""
                + base
                + "/fail/a/car\"}}",
            "ok"));
    Execution done = run("trip-fails");
    assertThat(done.getStatus()).isEqualTo(ExecutionStatus.EXECUTION_STATUS_FAILED);
    assertThat(callsOf("/a/"))
        .containsExactly(
            "POST /a/flight",
            "POST /a/hotel",
            "POST /a/car",
            "DELETE /a/hotel",
            "DELETE /a/flight");
    assertThat(done.getCompensationsList())
        .extracting(
            Compensation::getNodeId, Compensation::getCompensationId, Compensation::getStatus)
        .containsExactly(
            tuple("hotel", "cancel_hotel", ExecutionStatus.EXECUTION_STATUS_SUCCEEDED),
            tuple("flight", "cancel_flight", ExecutionStatus.EXECUTION_STATUS_SUCCEEDED));
    List<ExecutionEvent> events = events(done.getId());
    var started =
        events.stream().filter(ExecutionEvent::hasCompensationsStarted).findFirst().orElseThrow();
    assertThat(started.getCompensationsStarted().getNodeIdsList())
        .containsExactly("hotel", "flight");
    assertThat(started.getCompensationsStarted().getStatus())
        .isEqualTo(ExecutionStatus.EXECUTION_STATUS_FAILED);
    assertThat(events)
        .filteredOn(ExecutionEvent::hasNodeCompleted)
        .extracting(e -> e.getNodeCompleted().getNodeId())
        .containsSubsequence(
            "flight",
            "hotel",
            "note",
            "compensate(hotel).cancel_hotel",
            "compensate(flight).cancel_flight");
  }

  @Test
  void aFailingCompensationIsRetriedReportedAndTheOthersStillRun() {
    String base = "http://127.0.0.1:" + travel.httpPort();
    harness.deploy(
        org,
        "trip-stuck",
        trip(
            "b",
            "{\"id\": \"last\", \"http\": {\"method\": \"POST\", \"url\": \""
                + base
                + "/fail/b/car\"}}",
            "fail"));
    Execution done = run("trip-stuck");
    assertThat(done.getStatus()).isEqualTo(ExecutionStatus.EXECUTION_STATUS_FAILED);
    assertThat(callsOf("/b/"))
        .containsExactly(
            "POST /b/flight",
            "POST /b/hotel",
            "POST /b/car",
            "DELETE /b/hotel",
            "DELETE /b/hotel",
            "DELETE /b/flight");
    assertThat(done.getCompensations(0).getStatus())
        .isEqualTo(ExecutionStatus.EXECUTION_STATUS_FAILED);
    assertThat(done.getCompensations(0).getError().getMessage()).contains("402");
    assertThat(done.getCompensations(1).getStatus())
        .isEqualTo(ExecutionStatus.EXECUTION_STATUS_SUCCEEDED);
  }

  @Test
  void cancellingAParkedSagaCompensatesAndEndsCancelled() {
    harness.deploy(
        org,
        "trip-waits",
        trip("c", "{\"id\": \"last\", \"wait\": {\"signal\": {\"name\": \"pay\"}}}", "ok"));
    String id =
        harness
            .executions(org)
            .startExecution(StartExecutionRequest.newBuilder().setWorkflow("trip-waits").build())
            .getExecution()
            .getId();
    await().until(() -> callsOf("/c/").size() == 2);
    harness
        .executions(org)
        .cancelExecution(
            CancelExecutionRequest.newBuilder().setId(id).setReason("changed plans").build());
    Execution done = awaitEnd(id);
    assertThat(done.getStatus()).isEqualTo(ExecutionStatus.EXECUTION_STATUS_CANCELLED);
    assertThat(done.getError().getMessage()).contains("changed plans");
    assertThat(callsOf("/c/"))
        .containsExactly("POST /c/flight", "POST /c/hotel", "DELETE /c/hotel", "DELETE /c/flight");
    assertThat(done.getCompensationsCount()).isEqualTo(2);
  }

  @Test
  void aTimedOutSagaCompensatesPastItsDeadline() {
    String spec =
        trip("d", "{\"id\": \"last\", \"wait\": {\"timer\": \"30s\"}}", "ok")
            .replace("\"executionTimeout\": \"60s\"", "\"executionTimeout\": \"1.5s\"");
    harness.deploy(org, "trip-late", spec);
    Execution done = run("trip-late");
    assertThat(done.getStatus()).isEqualTo(ExecutionStatus.EXECUTION_STATUS_TIMED_OUT);
    assertThat(callsOf("/d/"))
        .containsExactly("POST /d/flight", "POST /d/hotel", "DELETE /d/hotel", "DELETE /d/flight");
  }

  @Test
  void aSucceedingSagaCompensatesNothing() {
    harness.deploy(
        org,
        "trip-ok",
        trip("e", "{\"id\": \"last\", \"transform\": {\"expression\": \"1\"}}", "ok"));
    Execution done = run("trip-ok");
    assertThat(done.getStatus()).isEqualTo(ExecutionStatus.EXECUTION_STATUS_SUCCEEDED);
    assertThat(done.getCompensationsList()).isEmpty();
    assertThat(callsOf("/e/")).containsExactly("POST /e/flight", "POST /e/hotel");
  }

  // ---- helpers ----

  private static Execution run(String workflow) {
    String id =
        harness
            .executions(org)
            .startExecution(StartExecutionRequest.newBuilder().setWorkflow(workflow).build())
            .getExecution()
            .getId();
    return awaitEnd(id);
  }

  private static Execution awaitEnd(String id) {
    return await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                harness
                    .executions(org)
                    .getExecution(GetExecutionRequest.newBuilder().setId(id).build())
                    .getExecution(),
            e -> e.getStatus() != ExecutionStatus.EXECUTION_STATUS_RUNNING);
  }

  private static List<ExecutionEvent> events(String id) {
    List<ExecutionEvent> events = new ArrayList<>();
    harness
        .executions(org)
        .watchExecution(WatchExecutionRequest.newBuilder().setId(id).build())
        .forEachRemaining(response -> events.add(response.getEvent()));
    return events;
  }

  /** What the travel service was asked for trip {@code tag} ({@code /a/}), in order. */
  private static List<String> callsOf(String tag) {
    return calls.stream()
        .filter(c -> c.contains(tag))
        .map(c -> c.replaceFirst(" /(ok|fail)/", " /"))
        .toList();
  }
}
