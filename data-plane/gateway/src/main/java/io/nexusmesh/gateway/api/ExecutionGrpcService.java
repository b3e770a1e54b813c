package io.nexusmesh.gateway.api;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.Struct;
import com.linecorp.armeria.server.ServiceRequestContext;
import com.linecorp.armeria.server.annotation.Blocking;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.nexusmesh.api.common.v1.ErrorReason;
import io.nexusmesh.api.gateway.v1.CancelExecutionRequest;
import io.nexusmesh.api.gateway.v1.CancelExecutionResponse;
import io.nexusmesh.api.gateway.v1.ExecuteRequest;
import io.nexusmesh.api.gateway.v1.ExecuteResponse;
import io.nexusmesh.api.gateway.v1.Execution;
import io.nexusmesh.api.gateway.v1.ExecutionServiceGrpc;
import io.nexusmesh.api.gateway.v1.ExecutionStatus;
import io.nexusmesh.api.gateway.v1.GetExecutionRequest;
import io.nexusmesh.api.gateway.v1.GetExecutionResponse;
import io.nexusmesh.api.gateway.v1.ListExecutionsRequest;
import io.nexusmesh.api.gateway.v1.ListExecutionsResponse;
import io.nexusmesh.api.gateway.v1.SignalExecutionRequest;
import io.nexusmesh.api.gateway.v1.SignalExecutionResponse;
import io.nexusmesh.api.gateway.v1.StartExecutionRequest;
import io.nexusmesh.api.gateway.v1.StartExecutionResponse;
import io.nexusmesh.api.gateway.v1.WatchExecutionRequest;
import io.nexusmesh.api.gateway.v1.WatchExecutionResponse;
import io.nexusmesh.gateway.durable.Executions;
import io.nexusmesh.runtime.auth.AuthContext;
import io.nexusmesh.runtime.auth.Principal;
import io.nexusmesh.runtime.error.NexusException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.TimeUnit;

/**
 * {@code nexus.gateway.v1.ExecutionService}: runs deployed workflows for callers holding an API key
 * of the workflow's organisation or a gateway-audience token (management tokens are refused by the
 * authenticator). Every start is rate limited and its input checked against the workflow's schema
 * before anything runs; another organisation's workflows and executions are NOT_FOUND.
 */
public final class ExecutionGrpcService extends ExecutionServiceGrpc.ExecutionServiceImplBase {
  private static final int DEFAULT_PAGE = 50;
  private static final long ANSWER_EARLY_MILLIS = 100;
  private static final String SESSION_HEADER = "nexus-session-id";

  private final Executions executions;
  private final WorkflowStarter starter;
  private final EventFollower follower;
  private final Duration maxExecuteWait;

  /**
   * @param maxExecuteWait how long Execute waits for the output when the call has no deadline of
   *     its own (REST callers); after that it answers RUNNING with the execution id
   */
  public ExecutionGrpcService(
      WorkflowStarter starter, Executions executions, Duration maxExecuteWait) {
    this.starter = requireNonNull(starter, "starter");
    this.executions = requireNonNull(executions, "executions");
    this.follower = new EventFollower(executions);
    this.maxExecuteWait = requireNonNull(maxExecuteWait, "maxExecuteWait");
  }

  /**
   * Runs on the event loop when the run can (see {@link WorkflowStarter#startsWithoutBlocking}): a
   * workflow that only computes then costs no hand-off between threads at all. Anything that
   * touches Redis or waits moves to the blocking task executor first.
   */
  @Override
  public void execute(ExecuteRequest request, StreamObserver<ExecuteResponse> response) {
    Principal caller = caller();
    String sessionId = sessionOf(request.getSessionId());
    ServiceRequestContext ctx = ServiceRequestContext.currentOrNull();
    if (ctx == null
        || !ctx.eventLoop().inEventLoop()
        || starter.startsWithoutBlocking(
            caller, request.getWorkflow(), request.getRequestId(), sessionId)) {
      execute(caller, request, sessionId, response);
      return;
    }
    ctx.blockingTaskExecutor()
        .execute(
            Context.current()
                .wrap(
                    () -> {
                      try {
                        execute(caller, request, sessionId, response);
                      } catch (RuntimeException e) {
                        response.onError(e);
                      }
                    }));
  }

  private void execute(
      Principal caller,
      ExecuteRequest request,
      String sessionId,
      StreamObserver<ExecuteResponse> response) {
    Executions.Started started =
        start(caller, request.getWorkflow(), request.getInput(), request.getRequestId(), sessionId);
    // Answered by whichever thread ends the run, so no thread waits for it and the reply costs
    // no extra hand-off; after the wait the caller gets the execution as it is then.
    started
        .completion()
        .orTimeout(executeWaitMillis(), TimeUnit.MILLISECONDS)
        .whenComplete(
            (ended, failure) -> {
              if (failure == null) {
                reply(ended, response);
              } else {
                Thread.ofVirtual()
                    .start(
                        () ->
                            reply(
                                executions
                                    .get(caller.org(), started.execution().getId())
                                    .orElse(started.execution()),
                                response));
              }
            });
  }

  /**
   * How long Execute waits for the output: until a little before the call's deadline (the caller
   * then gets the id rather than an error), at most {@code maxExecuteWait}. Armeria turns the
   * {@code grpc-timeout} header into the request's timeout, so that is where the deadline is.
   */
  private long executeWaitMillis() {
    long wait = maxExecuteWait.toMillis();
    Deadline deadline = Context.current().getDeadline();
    if (deadline != null) {
      wait = Math.min(wait, deadline.timeRemaining(TimeUnit.MILLISECONDS) - ANSWER_EARLY_MILLIS);
    }
    ServiceRequestContext ctx = ServiceRequestContext.currentOrNull();
    if (ctx != null && ctx.requestTimeoutMillis() > 0) {
      long elapsed =
          TimeUnit.NANOSECONDS.toMillis(
              System.nanoTime() - ctx.log().partial().requestStartTimeNanos());
      wait = Math.min(wait, ctx.requestTimeoutMillis() - elapsed - ANSWER_EARLY_MILLIS);
    }
    return Math.max(0, wait);
  }

  private static void reply(Execution ended, StreamObserver<ExecuteResponse> response) {
    var reply =
        ExecuteResponse.newBuilder().setExecutionId(ended.getId()).setStatus(ended.getStatus());
    if (ended.getStatus() == ExecutionStatus.EXECUTION_STATUS_SUCCEEDED) {
      reply.setOutput(ended.getOutput());
    } else if (ended.getStatus() != ExecutionStatus.EXECUTION_STATUS_RUNNING) {
      response.onError(failed(ended));
      return;
    }
    response.onNext(reply.build());
    response.onCompleted();
  }

  @Blocking
  @Override
  public void startExecution(
      StartExecutionRequest request, StreamObserver<StartExecutionResponse> response) {
    Principal caller = caller();
    Executions.Started started =
        start(
            caller,
            request.getWorkflow(),
            request.getInput(),
            request.getRequestId(),
            sessionOf(request.getSessionId()));
    response.onNext(StartExecutionResponse.newBuilder().setExecution(started.execution()).build());
    response.onCompleted();
  }

  @Blocking
  @Override
  public void getExecution(
      GetExecutionRequest request, StreamObserver<GetExecutionResponse> response) {
    Principal caller = caller();
    response.onNext(
        GetExecutionResponse.newBuilder().setExecution(find(caller, request.getId())).build());
    response.onCompleted();
  }

  @Blocking
  @Override
  public void listExecutions(
      ListExecutionsRequest request, StreamObserver<ListExecutionsResponse> response) {
    Principal caller = caller();
    int size = request.getPageSize() == 0 ? DEFAULT_PAGE : request.getPageSize();
    int offset = decodePageToken(request.getPageToken());
    var page = ListExecutionsResponse.newBuilder();
    // The org's index is ordered by time; filters are applied while scanning it. The token is the
    // index position after the last execution returned.
    int batch = Math.max(size, 100);
    int position = offset;
    int next = -1;
    scan:
    while (true) {
      var chunk = executions.page(caller.org(), position, batch);
      for (var entry : chunk.entries()) {
        if (matches(request, entry.execution())) {
          page.addExecutions(entry.execution());
          if (page.getExecutionsCount() == size) {
            next = entry.position() + 1;
            break scan;
          }
        }
      }
      if (chunk.scanned() < batch) {
        break;
      }
      position += chunk.scanned();
    }
    if (next >= 0 && executions.store().indexSize(caller.org()) > next) {
      page.setNextPageToken(encodePageToken(next));
    }
    response.onNext(page.build());
    response.onCompleted();
  }

  @Blocking
  @Override
  public void cancelExecution(
      CancelExecutionRequest request, StreamObserver<CancelExecutionResponse> response) {
    Principal caller = caller();
    Execution execution = executions.cancel(caller.org(), request.getId(), request.getReason());
    response.onNext(CancelExecutionResponse.newBuilder().setExecution(execution).build());
    response.onCompleted();
  }

  @Blocking
  @Override
  public void signalExecution(
      SignalExecutionRequest request, StreamObserver<SignalExecutionResponse> response) {
    Principal caller = caller();
    executions.signal(
        caller.org(),
        request.getId(),
        request.getSignal(),
        com.google.protobuf.Value.newBuilder().setStructValue(request.getPayload()).build());
    response.onNext(SignalExecutionResponse.getDefaultInstance());
    response.onCompleted();
  }

  @Blocking
  @Override
  public void watchExecution(
      WatchExecutionRequest request, StreamObserver<WatchExecutionResponse> response) {
    Principal caller = caller();
    find(caller, request.getId());
    var call = (ServerCallStreamObserver<WatchExecutionResponse>) response;
    follower.follow(
        caller.org(),
        request.getId(),
        request.getFromOffset(),
        event -> {
          synchronized (call) {
            if (!call.isCancelled()) {
              call.onNext(WatchExecutionResponse.newBuilder().setEvent(event).build());
            }
          }
        },
        () -> {
          synchronized (call) {
            if (!call.isCancelled()) {
              call.onCompleted();
            }
          }
        },
        call::isCancelled);
  }

  // ---- helpers ----

  /**
   * The session of a call: the request's {@code session_id}, else the {@code nexus-session-id}
   * header (gRPC metadata, or an HTTP header for REST and gRPC-Web callers).
   */
  private static String sessionOf(String field) {
    if (!field.isEmpty()) {
      return field;
    }
    ServiceRequestContext ctx = ServiceRequestContext.currentOrNull();
    String header = ctx == null ? null : ctx.request().headers().get(SESSION_HEADER);
    return header == null ? "" : header.strip();
  }

  private static Principal caller() {
    return WorkflowStarter.runner(AuthContext.principal());
  }

  private Executions.Started start(
      Principal caller, String workflow, Struct input, String requestId, String sessionId) {
    return starter.start(caller, workflow, input, requestId, sessionId);
  }

  private Execution find(Principal caller, String id) {
    return executions
        .get(caller.org(), id)
        .orElseThrow(() -> NexusException.notFound("execution", id));
  }

  /**
   * The error of an execution that ended without an output: the step's own reason when the step
   * failed with one (e.g. EGRESS_DENIED, with its metadata), else FAILED_PRECONDITION.
   */
  private static NexusException failed(Execution ended) {
    ErrorReason reason =
        switch (ended.getStatus()) {
          case EXECUTION_STATUS_CANCELLED -> ErrorReason.ERROR_REASON_CANCELLED;
          case EXECUTION_STATUS_TIMED_OUT -> ErrorReason.ERROR_REASON_DEADLINE_EXCEEDED;
          default -> ErrorReason.ERROR_REASON_FAILED_PRECONDITION;
        };
    java.util.Map<String, String> metadata = java.util.Map.of();
    java.time.Duration retryDelay = null;
    for (com.google.protobuf.Any detail : ended.getError().getDetailsList()) {
      if (detail.is(com.google.rpc.RetryInfo.class)
          && ended.getStatus() == ExecutionStatus.EXECUTION_STATUS_FAILED) {
        try {
          var delay = detail.unpack(com.google.rpc.RetryInfo.class).getRetryDelay();
          retryDelay = java.time.Duration.ofSeconds(delay.getSeconds(), delay.getNanos());
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
          // no retry advice then
        }
      }
      if (detail.is(com.google.rpc.ErrorInfo.class)) {
        try {
          var info = detail.unpack(com.google.rpc.ErrorInfo.class);
          var stepReason = ErrorReason.valueOf("ERROR_REASON_" + info.getReason());
          if (ended.getStatus() == ExecutionStatus.EXECUTION_STATUS_FAILED) {
            reason = stepReason;
            metadata = info.getMetadataMap();
          }
        } catch (com.google.protobuf.InvalidProtocolBufferException | IllegalArgumentException e) {
          // Not one of ours: the generic reason stands.
        }
      }
    }
    NexusException error =
        NexusException.of(
            reason,
            "execution "
                + ended.getId()
                + " ended "
                + ended.getStatus().name().substring("EXECUTION_STATUS_".length())
                + ": "
                + ended.getError().getMessage());
    for (var entry : metadata.entrySet()) {
      error = error.withMetadata(entry.getKey(), entry.getValue());
    }
    if (retryDelay != null) {
      error = error.withRetryDelay(retryDelay);
    }
    return error.withMetadata("execution_id", ended.getId());
  }

  private static boolean matches(ListExecutionsRequest request, Execution e) {
    return (request.getWorkflowId().isEmpty() || request.getWorkflowId().equals(e.getWorkflowId()))
        && (request.getStatus() == ExecutionStatus.EXECUTION_STATUS_UNSPECIFIED
            || request.getStatus() == e.getStatus());
  }

  private static String encodePageToken(int position) {
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(("executions:" + position).getBytes(StandardCharsets.UTF_8));
  }

  private static int decodePageToken(String token) {
    if (token.isEmpty()) {
      return 0;
    }
    try {
      String text = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
      if (text.startsWith("executions:")) {
        int position = Integer.parseInt(text.substring("executions:".length()));
        if (position >= 0) {
          return position;
        }
      }
    } catch (IllegalArgumentException e) {
      // falls through to the error below
    }
    throw NexusException.invalidArgument("page_token", "not a page token of this list");
  }
}
