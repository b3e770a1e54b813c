import { create } from "@bufbuild/protobuf";
import { durationFromMs } from "@bufbuild/protobuf/wkt";
import { cleanup, render, screen, within } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { WorkflowUsageSchema } from "../gen/nexus/controlplane/v1/gateway_service_pb.js";
import { TimelineView } from "../executions/TimelineView.js";
import { ErrorView } from "./ErrorView.js";
import { UsageChart } from "./UsageChart.js";

describe("components", () => {
  afterEach(cleanup);

  it("ErrorView shows the code, the message, the reason, the retry delay and each violation", () => {
    render(
      <ErrorView
        error={{
          code: "RESOURCE_EXHAUSTED",
          message: "too many runs",
          reason: "RATE_LIMITED",
          retryAfterSeconds: 1.2,
          violations: [{ field: "input.name", description: "is required" }],
        }}
      />,
    );
    const alert = screen.getByRole("alert");
    expect(alert.textContent).toContain("RESOURCE_EXHAUSTED too many runs");
    expect(alert.textContent).toContain("(RATE_LIMITED)");
    expect(alert.textContent).toContain("Retry in 2 s.");
    expect(within(screen.getByRole("list", { name: "Field violations" })).getByText("input.name")).toBeTruthy();
  });

  it("TimelineView places each attempt on the execution's time axis", () => {
    render(
      <TimelineView
        now={2000}
        input={{ name: "Ada" }}
        timeline={{
          start: 1000,
          end: 2000,
          lastOffset: 3n,
          steps: [
            { nodeId: "a", attempts: [{ attempt: 1, start: 1000, end: 1500, outcome: "completed", output: { x: 1 }, sees: [] }] },
            { nodeId: "b", attempts: [{ attempt: 1, start: 1500, end: 2000, outcome: "failed", error: "boom", sees: ["a"] }] },
          ],
        }}
      />,
    );
    const b = screen.getByLabelText("b attempt 1: failed");
    expect(b.textContent).toContain("500 ms");
    expect(b.textContent).toContain("boom");
    const bar = b.querySelector(".bar") as HTMLElement;
    expect(bar.style.marginLeft).toBe("50%");
    expect(bar.style.width).toBe("50%");
    // b was given a's output.
    expect(b.textContent).toContain('"x": 1');
  });

  it("UsageChart draws a bar per workflow scaled to the busiest and lists the figures", () => {
    render(
      <UsageChart
        usage={[
          create(WorkflowUsageSchema, { workflowId: "hello", executions: 10n, nodeRuns: 10n, totalDuration: durationFromMs(2000) }),
          create(WorkflowUsageSchema, { workflowId: "", executions: 5n, promptTokens: 7n, completionTokens: 3n }),
        ]}
      />,
    );
    const bars = screen.getByRole("img", { name: "Executions per workflow" }).querySelectorAll("rect");
    expect(bars[0].getAttribute("width")).toBe("380");
    expect(bars[1].getAttribute("width")).toBe("190");
    const rows = within(screen.getByRole("table", { name: "Usage per workflow" })).getAllByRole("row");
    expect(rows[1].textContent).toContain("200 ms");
    expect(rows[2].textContent).toContain("(agents)");
    expect(rows[2].textContent).toContain("10");
  });
});
