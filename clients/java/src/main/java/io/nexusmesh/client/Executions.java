package io.nexusmesh.client;

import com.google.protobuf.Struct;
import io.nexusmesh.api.gateway.v1.CancelExecutionRequest;
import io.nexusmesh.api.gateway.v1.ExecuteRequest;
import io.nexusmesh.api.gateway.v1.ExecuteResponse;
import io.nexusmesh.api.gateway.v1.Execution;
import io.nexusmesh.api.gateway.v1.ExecutionEvent;
import io.nexusmesh.api.gateway.v1.ExecutionServiceGrpc;
import io.nexusmesh.api.gateway.v1.ExecutionStatus;
import io.nexusmesh.api.gateway.v1.GetExecutionRequest;
import io.nexusmesh.api.gateway.v1.ListExecutionsRequest;
import io.nexusmesh.api.gateway.v1.SignalExecutionRequest;
import io.nexusmesh.api.gateway.v1.StartExecutionRequest;
import io.nexusmesh.api.gateway.v1.WatchExecutionRequest;
import io.nexusmesh.api.gateway.v1.WatchExecutionResponse;
import java.util.Iterator;
import java.util.List;

/** Runs deployed workflows on a gateway and follows their executions. */
public final class Executions {
  private final Endpoint endpoint;

  Executions(Endpoint endpoint) {
    this.endpoint = endpoint;
  }

  private ExecutionServiceGrpc.ExecutionServiceBlockingStub stub() {
    return endpoint.unary(ExecutionServiceGrpc.newBlockingStub(endpoint.channel()));
  }

  /**
   * Runs {@code workflow} and waits for its output, up to the client's deadline: a run that
   * outlives it answers RUNNING with the execution id. A failed run throws, with the execution id
   * in the error's metadata.
   */
  public ExecuteResponse execute(String workflow, Struct input) {
    return execute(workflow, input, "");
  }

  /** {@link #execute(String, Struct)} in session {@code sessionId} (empty: none). */
  public ExecuteResponse execute(String workflow, Struct input, String sessionId) {
    return stub()
        .execute(
            ExecuteRequest.newBuilder()
                .setWorkflow(workflow)
                .setInput(input)
                .setSessionId(sessionId)
                .build());
  }

  /** Starts {@code workflow} and answers at once with the RUNNING execution. */
  public Execution start(String workflow, Struct input) {
    return start(workflow, input, "");
  }

  /** {@link #start(String, Struct)} in session {@code sessionId} (empty: none). */
  public Execution start(String workflow, Struct input, String sessionId) {
    return stub()
        .startExecution(
            StartExecutionRequest.newBuilder()
                .setWorkflow(workflow)
                .setInput(input)
                .setSessionId(sessionId)
                .build())
        .getExecution();
  }

  /** The execution {@code id}. */
  public Execution get(String id) {
    return stub().getExecution(GetExecutionRequest.newBuilder().setId(id).build()).getExecution();
  }

  /** Up to {@code limit} executions, newest first, filtered when the arguments are set. */
  public List<Execution> list(String workflowId, ExecutionStatus status, int limit) {
    return stub()
        .listExecutions(
            ListExecutionsRequest.newBuilder()
                .setWorkflowId(workflowId)
                .setStatus(status)
                .setPageSize(limit)
                .build())
        .getExecutionsList();
  }

  /** Asks the execution to stop; it ends CANCELLED at its next step or wait. */
  public Execution cancel(String id, String reason) {
    return stub()
        .cancelExecution(CancelExecutionRequest.newBuilder().setId(id).setReason(reason).build())
        .getExecution();
  }

  /** Sends the named signal a wait node of the execution may be waiting for. */
  public void signal(String id, String signal, Struct payload) {
    stub()
        .signalExecution(
            SignalExecutionRequest.newBuilder()
                .setId(id)
                .setSignal(signal)
                .setPayload(payload)
                .build());
  }

  /**
   * The execution's events from {@code fromOffset} on, as they happen; the iterator ends after the
   * execution's completion event.
   */
  public Iterator<ExecutionEvent> watch(String id, long fromOffset) {
    Iterator<WatchExecutionResponse> events =
        endpoint
            .streaming(ExecutionServiceGrpc.newBlockingStub(endpoint.channel()))
            .watchExecution(
                WatchExecutionRequest.newBuilder().setId(id).setFromOffset(fromOffset).build());
    return Streams.map(events, WatchExecutionResponse::getEvent);
  }
}
