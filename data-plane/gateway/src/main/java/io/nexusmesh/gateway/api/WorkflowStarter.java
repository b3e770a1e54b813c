package io.nexusmesh.gateway.api;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.Struct;
import io.nexusmesh.api.common.v1.ErrorReason;
import io.nexusmesh.api.gateway.v1.DeployedWorkflow;
import io.nexusmesh.gateway.deploy.CanaryRouting;
import io.nexusmesh.gateway.deploy.DeploymentRegistry;
import io.nexusmesh.gateway.durable.Executions;
import io.nexusmesh.gateway.panel.PanelToolWorkflows;
import io.nexusmesh.gateway.panel.ReachablePanel;
import io.nexusmesh.gateway.session.OpenSession;
import io.nexusmesh.gateway.session.SessionEvents;
import io.nexusmesh.gateway.session.Sessions;
import io.nexusmesh.gateway.usage.ChannelMetrics;
import io.nexusmesh.runtime.auth.Principal;
import io.nexusmesh.runtime.auth.ServiceRoles;
import io.nexusmesh.runtime.error.NexusException;
import org.jspecify.annotations.Nullable;

/**
 * Starts an execution for a caller, whichever channel it came through (gRPC, REST, gRPC-Web, MCP):
 * the workflow must be deployed for the caller's organisation (else NOT_FOUND) and allowed to the
 * caller's key, the input must match its schema, and the caller must be within its rate limits —
 * all before anything runs.
 */
public final class WorkflowStarter {
  private final DeploymentRegistry deployments;
  private final Executions executions;
  private final InputSchemas schemas;
  private final RateLimits rateLimits;
  private final Sessions sessions;
  private final SessionEvents sessionEvents;
  private final ChannelMetrics metrics;

  public WorkflowStarter(
      DeploymentRegistry deployments,
      Executions executions,
      InputSchemas schemas,
      RateLimits rateLimits,
      Sessions sessions,
      SessionEvents sessionEvents,
      ChannelMetrics metrics) {
    this.metrics = requireNonNull(metrics, "metrics");
    this.deployments = requireNonNull(deployments, "deployments");
    this.executions = requireNonNull(executions, "executions");
    this.schemas = requireNonNull(schemas, "schemas");
    this.rateLimits = requireNonNull(rateLimits, "rateLimits");
    this.sessions = requireNonNull(sessions, "sessions");
    this.sessionEvents = requireNonNull(sessionEvents, "sessionEvents");
  }

  /** Refuses the control plane's own credential: it manages deployments, it does not run them. */
  public static Principal runner(Principal caller) {
    if (caller.hasRole(ServiceRoles.CONTROL_PLANE)) {
      throw NexusException.of(
          ErrorReason.ERROR_REASON_PERMISSION_DENIED,
          "the control plane's credential manages deployments; it does not run workflows");
    }
    return caller;
  }

  /** The deployment of {@code workflow} ({@code id} or {@code workflows/id}) the caller may run. */
  public DeployedWorkflow runnable(Principal caller, String workflow) {
    String id = idOf(workflow);
    DeployedWorkflow deployment =
        deployments
            .find(caller.org(), id)
            .orElseThrow(() -> NexusException.notFound("workflow", id));
    if (!mayRun(caller, id)) {
      throw NexusException.of(
          ErrorReason.ERROR_REASON_PERMISSION_DENIED, "this API key may not run workflow " + id);
    }
    return deployment;
  }

  /** {@code hello} of {@code hello} or {@code workflows/hello}. */
  private static String idOf(String workflow) {
    return workflow.startsWith("workflows/") ? workflow.substring("workflows/".length()) : workflow;
  }

  /**
   * Whether the caller may call the panel tool {@code name} ({@code <panel>.<tool>}): a key limited
   * to some workflows only if it names the tool among them.
   */
  public static boolean mayRunPanelTool(Principal caller, String name) {
    return caller.allowedWorkflows().isEmpty() || caller.allowedWorkflows().contains(name);
  }

  /** Whether the caller's key may run workflow {@code id} (a key may be limited to some). */
  public static boolean mayRun(Principal caller, String id) {
    return caller.allowedWorkflows().isEmpty() || caller.allowedWorkflows().contains(id);
  }

  /**
   * Whether {@link #start} of this call would neither touch Redis nor wait: an EPHEMERAL workflow
   * that only computes, outside a session or in one this gateway knows open (see {@link
   * Sessions#openInMemory}), without a request id, with the caller's rate-limit permits already
   * leased by this gateway (an unknown workflow too: it is refused at once). Such a start may run
   * on an event loop. (Another caller of the same key may take the last leased permit meanwhile;
   * the start then takes a batch from Redis where it runs: one round trip.)
   */
  public boolean startsWithoutBlocking(
      Principal caller, String workflow, String requestId, String sessionId) {
    if (!requestId.isEmpty()
        || (!sessionId.isEmpty() && sessions.openInMemory(caller, sessionId).isEmpty())
        || !rateLimits.hasLocalPermits(caller)
        || PanelToolWorkflows.split(workflow).isPresent()) {
      return false; // a panel tool is journaled in Redis
    }
    String id = idOf(workflow);
    return deployments
        .find(caller.org(), id)
        .map(
            deployment ->
                Executions.runsInline(deployment.getSpec())
                    && (!deployment.hasCanary()
                        || Executions.runsInline(deployment.getCanary().getBaselineSpec())))
        .orElse(true);
  }

  /**
   * Checks and starts an execution. In a session ({@code sessionId} not empty: an open session of
   * the caller, else NOT_FOUND) the execution joins its history and its subscribers hear of it.
   */
  public Executions.Started start(
      Principal caller, String workflow, Struct input, String requestId, String sessionId) {
    var panelTool = PanelToolWorkflows.split(workflow);
    if (panelTool.isPresent()) {
      OpenSession session = sessionId.isEmpty() ? null : sessions.requireOpen(caller, sessionId);
      return startPanelTool(
          caller, panelTool.get()[0], panelTool.get()[1], input, requestId, session);
    }
    DeployedWorkflow deployment = runnable(caller, workflow);
    OpenSession session = sessionId.isEmpty() ? null : sessions.requireOpen(caller, sessionId);
    return start(caller, deployment, input, requestId, session);
  }

  /**
   * Checks and starts an execution in a session the caller already checked (MCP requests check
   * theirs first), or in none ({@code session} null).
   */
  public Executions.Started start(
      Principal caller, String workflow, Struct input, @Nullable OpenSession session) {
    return start(caller, runnable(caller, workflow), input, "", session);
  }

  /**
   * Checks and starts a call of a panel's tool ({@link PanelToolWorkflows}): NOT_FOUND unless the
   * caller's organisation has a running panel of that name serving that tool; PERMISSION_DENIED for
   * an API key limited to some workflows (panel tools are not among them).
   */
  public Executions.Started startPanelTool(
      Principal caller, String panel, String tool, Struct input, @Nullable OpenSession session) {
    return startPanelTool(caller, panel, tool, input, "", session);
  }

  /** {@link #startPanelTool} with an idempotency key ({@code requestId}, empty for none). */
  public Executions.Started startPanelTool(
      Principal caller,
      String panel,
      String tool,
      Struct input,
      String requestId,
      @Nullable OpenSession session) {
    String name = PanelToolWorkflows.toolName(panel, tool);
    ReachablePanel reachable =
        deployments
            .panel(caller.org(), panel)
            .filter(p -> p.tool(tool).isPresent())
            .orElseThrow(() -> NexusException.notFound("tool", name));
    if (!mayRunPanelTool(caller, name)) {
      throw NexusException.of(
          ErrorReason.ERROR_REASON_PERMISSION_DENIED,
          "this credential is limited to some workflows and tools, not " + name);
    }
    return start(
        caller,
        PanelToolWorkflows.of(reachable, reachable.tool(tool).orElseThrow()),
        input,
        requestId,
        session);
  }

  private Executions.Started start(
      Principal caller,
      DeployedWorkflow deployment,
      Struct input,
      String requestId,
      @Nullable OpenSession session) {
    String sessionId = session == null ? "" : session.id();
    deployment = CanaryRouting.choose(deployment, CanaryRouting.stickyKey(sessionId, requestId));
    schemas.check(deployment, input);
    rateLimits.acquire(caller);
    metrics.executionStarted(deployment.getWorkflowId());
    // In a session, the execution joins its history and its "started" event is out before it runs:
    // its completion, announced by whichever gateway ends it (see Gateway's listener), comes after.
    // A run on the calling thread sends its entry without waiting for it, like its own record.
    return executions.start(
        new Executions.NewExecution(
            caller.org(),
            deployment,
            input,
            requestId,
            sessionId,
            session == null
                ? execution -> {}
                : Executions.runsInline(deployment.getSpec())
                    ? execution -> sessions.recordExecutionLater(session, execution, sessionEvents)
                    : execution -> sessions.recordExecution(session, execution, sessionEvents)));
  }
}
