package io.nexusmesh.gateway.engine;

import static java.util.Objects.requireNonNull;

import java.time.Clock;
import java.time.Duration;

/** What the run needs from the gateway around it. */
public record RunServices(
    Expressions expressions,
    HttpCaller http,
    io.nexusmesh.gateway.panel.PanelTools tools,
    ChildWorkflows children,
    AgentSteps agents,
    Clock clock,
    Duration parkAfter,
    Bulkheads bulkheads,
    RunTracing tracing) {
  public RunServices {
    requireNonNull(expressions, "expressions");
    requireNonNull(http, "http");
    requireNonNull(tools, "tools");
    requireNonNull(children, "children");
    requireNonNull(agents, "agents");
    requireNonNull(clock, "clock");
    requireNonNull(parkAfter, "parkAfter");
    requireNonNull(bulkheads, "bulkheads");
    requireNonNull(tracing, "tracing");
  }
}
