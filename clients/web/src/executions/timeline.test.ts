import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import { ExecutionEventSchema, ExecutionStatus, type ExecutionEvent } from "../gen/nexus/gateway/v1/execution_service_pb.js";
import { inputOf, timelineOf } from "./timeline.js";

function event(offset: number, ms: number, kind: ExecutionEvent["kind"]): ExecutionEvent {
  return create(ExecutionEventSchema, { offset: BigInt(offset), executionId: "e1", time: timestampFromMs(ms), kind });
}

describe("the execution timeline", () => {
  it("folds the journal into steps with attempts, durations and outputs", () => {
    const events = [
      event(0, 1000, { case: "nodeStarted", value: { nodeId: "fetch", attempt: 1 } as never }),
      event(1, 1100, { case: "nodeFailed", value: { nodeId: "fetch", attempt: 1, error: { code: 14, message: "unavailable" } } as never }),
      event(2, 1100, { case: "nodeRetried", value: { nodeId: "fetch", nextAttempt: 2, retryTime: timestampFromMs(1300) } as never }),
      event(3, 1300, { case: "nodeStarted", value: { nodeId: "fetch", attempt: 2 } as never }),
      event(4, 1350, {
        case: "nodeCompleted",
        value: { nodeId: "fetch", attempt: 2, output: { kind: { case: "stringValue", value: "ok" } } } as never,
      }),
      event(5, 1360, { case: "nodeStarted", value: { nodeId: "greet", attempt: 1 } as never }),
      event(6, 1400, { case: "executionCompleted", value: { status: ExecutionStatus.SUCCEEDED } as never }),
    ];
    // Delivered twice and out of order, as a reconnecting stream may.
    const timeline = timelineOf([...events.slice(3), ...events, events[0]]);
    expect(timeline.steps.map((s) => s.nodeId)).toEqual(["fetch", "greet"]);
    const [first, second] = timeline.steps[0].attempts;
    expect(first).toMatchObject({ attempt: 1, outcome: "failed", error: "unavailable", start: 1000, end: 1100, retryAt: 1300 });
    expect(second).toMatchObject({ attempt: 2, outcome: "completed", output: "ok", start: 1300, end: 1350 });
    expect(timeline.steps[1].attempts[0].outcome).toBe("running");
    expect(timeline.start).toBe(1000);
    expect(timeline.end).toBe(1400);
    expect(timeline.lastOffset).toBe(6n);
    // What greet was given: the execution's input and the output of fetch, completed before it.
    expect(inputOf(timeline, timeline.steps[1].attempts[0], { name: "Ada" })).toEqual({
      input: { name: "Ada" },
      nodes: { fetch: "ok" },
    });
    expect(inputOf(timeline, first, { name: "Ada" })).toEqual({ input: { name: "Ada" }, nodes: {} });
  });
});
