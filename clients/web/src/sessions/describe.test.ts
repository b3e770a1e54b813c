import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { SemanticEventSchema } from "../gen/nexus/semantic/v1/semantic_event_pb.js";
import { SessionEventSchema, SessionEventType } from "../gen/nexus/gateway/v1/session_service_pb.js";
import { describeSessionEvent } from "./describe.js";

describe("session history lines", () => {
  it("show an agent's tool call with its arguments and its answer", () => {
    const call = create(SessionEventSchema, {
      type: SessionEventType.AGENT,
      agentEvent: create(SemanticEventSchema, {
        payload: {
          case: "toolCall",
          value: { callId: "c1", toolName: "hello", arguments: { name: "Ada" } } as never,
        },
      }),
    });
    expect(describeSessionEvent(call)).toEqual({ kind: "tool call", who: "agent", text: 'hello({"name":"Ada"})' });
    const answer = create(SessionEventSchema, {
      type: SessionEventType.AGENT,
      agentEvent: create(SemanticEventSchema, { payload: { case: "turnResponse", value: { content: "Hello, Ada!" } as never } }),
    });
    expect(describeSessionEvent(answer).text).toBe("Hello, Ada!");
  });

  it("show a posted message with its sender", () => {
    const message = create(SessionEventSchema, {
      type: SessionEventType.MESSAGE,
      sender: "dev-user",
      message: { kind: { case: "stringValue", value: "hi" } },
    });
    expect(describeSessionEvent(message)).toEqual({ kind: "message", who: "dev-user", text: "hi" });
  });
});
