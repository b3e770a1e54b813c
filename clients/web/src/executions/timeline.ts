import type { JsonValue } from "@bufbuild/protobuf";
import { toJson } from "@bufbuild/protobuf";
import { ValueSchema } from "@bufbuild/protobuf/wkt";
import type { ExecutionEvent } from "../gen/nexus/gateway/v1/execution_service_pb.js";
import { millis } from "../format.js";

/** One attempt at a step, from its start to its end (if it ended). */
export interface Attempt {
  attempt: number;
  start: number;
  end?: number;
  outcome: "running" | "completed" | "failed";
  output?: JsonValue;
  error?: string;
  retryAt?: number;
  /** The nodes whose outputs were journaled before this attempt started: what its CEL can read. */
  sees: string[];
}

/** One node of the workflow as the journal tells it: its attempts in order. */
export interface Step {
  nodeId: string;
  attempts: Attempt[];
}

/** The journal folded into steps (in the order they started) and the execution's end. */
export interface Timeline {
  steps: Step[];
  start?: number;
  end?: number;
  lastOffset: bigint;
}

/**
 * The input a step's attempt was given, as this engine gives it: the execution's {@code input} and
 * the outputs of the nodes completed before it started ({@code nodes.<id>} in its CEL).
 */
export function inputOf(timeline: Timeline, attempt: Attempt, executionInput: JsonValue | undefined): JsonValue {
  const nodes: Record<string, JsonValue> = {};
  for (const id of attempt.sees) {
    const step = timeline.steps.find((s) => s.nodeId === id);
    const done = step?.attempts.find((a) => a.outcome === "completed");
    if (done?.output !== undefined) {
      nodes[id] = done.output;
    }
  }
  return { input: executionInput ?? null, nodes };
}

/** Folds execution events (in offset order; repeats ignored) into a timeline. */
export function timelineOf(events: ExecutionEvent[]): Timeline {
  const steps = new Map<string, Step>();
  const timeline: Timeline = { steps: [], lastOffset: -1n };
  const seen = new Set<bigint>();
  const completed: string[] = [];
  for (const event of [...events].sort((a, b) => (a.offset < b.offset ? -1 : a.offset > b.offset ? 1 : 0))) {
    if (seen.has(event.offset)) {
      continue;
    }
    seen.add(event.offset);
    timeline.lastOffset = event.offset;
    const at = millis(event.time) ?? 0;
    timeline.start ??= at;
    const kind = event.kind;
    const step = (nodeId: string) => {
      let s = steps.get(nodeId);
      if (!s) {
        s = { nodeId, attempts: [] };
        steps.set(nodeId, s);
        timeline.steps.push(s);
      }
      return s;
    };
    const attemptOf = (nodeId: string, attempt: number) => {
      const s = step(nodeId);
      let a = s.attempts.find((x) => x.attempt === attempt);
      if (!a) {
        a = { attempt, start: at, outcome: "running", sees: [...completed] };
        s.attempts.push(a);
      }
      return a;
    };
    switch (kind.case) {
      case "nodeStarted":
        attemptOf(kind.value.nodeId, kind.value.attempt);
        break;
      case "nodeCompleted": {
        const a = attemptOf(kind.value.nodeId, kind.value.attempt);
        a.end = at;
        a.outcome = "completed";
        a.output = kind.value.output ? toJson(ValueSchema, kind.value.output) : undefined;
        if (!completed.includes(kind.value.nodeId)) {
          completed.push(kind.value.nodeId);
        }
        break;
      }
      case "nodeFailed": {
        const a = attemptOf(kind.value.nodeId, kind.value.attempt);
        a.end = at;
        a.outcome = "failed";
        a.error = kind.value.error?.message;
        break;
      }
      case "nodeRetried": {
        const s = step(kind.value.nodeId);
        const last = s.attempts[s.attempts.length - 1];
        if (last) {
          last.retryAt = millis(kind.value.retryTime);
        }
        break;
      }
      case "executionCompleted":
        timeline.end = at;
        break;
    }
  }
  return timeline;
}
