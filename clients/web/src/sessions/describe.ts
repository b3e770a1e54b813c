import { toJson } from "@bufbuild/protobuf";
import { ValueSchema } from "@bufbuild/protobuf/wkt";
import type { SemanticEvent } from "../gen/nexus/semantic/v1/semantic_event_pb.js";
import { SessionEventType, type SessionEvent } from "../gen/nexus/gateway/v1/session_service_pb.js";
import { enumName } from "../format.js";

/** One line of a session's history: who, what kind, and the text to show. */
export interface HistoryLine {
  kind: string;
  who: string;
  text: string;
}

/** A step of an agent's chain (the LLM manager's events) as one line. */
export function describeAgentEvent(event: SemanticEvent): HistoryLine {
  const kind = event.payload;
  switch (kind.case) {
    case "turnStarted":
      return { kind: "turn", who: "user", text: kind.value.text };
    case "thought":
      return { kind: "thought", who: "agent", text: kind.value.content };
    case "toolCall":
      return {
        kind: "tool call",
        who: "agent",
        text: `${kind.value.toolName}(${kind.value.arguments ? JSON.stringify(kind.value.arguments) : ""})`,
      };
    case "toolResult":
      return {
        kind: "tool result",
        who: kind.value.toolName,
        text: kind.value.error || (kind.value.result ? JSON.stringify(kind.value.result) : ""),
      };
    case "usage":
      return {
        kind: "usage",
        who: kind.value.model,
        text: `${kind.value.promptTokens} prompt + ${kind.value.completionTokens} completion tokens`,
      };
    case "turnResponse":
      return { kind: "answer", who: "agent", text: kind.value.content };
    case "turnFailed":
      return { kind: "failed", who: "agent", text: `${kind.value.reason}: ${kind.value.message}` };
    default:
      return { kind: kind.case ?? "event", who: "", text: "" };
  }
}

/** A session event (a message, an execution's change or an agent's step) as one line. */
export function describeSessionEvent(event: SessionEvent): HistoryLine {
  if (event.agentEvent) {
    return describeAgentEvent(event.agentEvent);
  }
  const kind = enumName(SessionEventType, event.type).toLowerCase().replace(/_/g, " ");
  if (event.message) {
    const value = toJson(ValueSchema, event.message);
    return { kind, who: event.sender, text: typeof value === "string" ? value : JSON.stringify(value) };
  }
  return {
    kind,
    who: event.workflowId,
    text: [event.executionId, event.nodeId].filter(Boolean).join(" · "),
  };
}
