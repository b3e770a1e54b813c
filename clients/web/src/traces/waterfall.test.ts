import { describe, expect, it } from "vitest";
import { create } from "@bufbuild/protobuf";
import { timestampFromMs, DurationSchema } from "@bufbuild/protobuf/wkt";
import { TraceSpanSchema } from "../gen/nexus/controlplane/v1/trace_service_pb.js";
import { waterfallOf } from "./waterfall.js";

const span = (spanId: string, parentSpanId: string, startMs: number, ms: number) =>
  create(TraceSpanSchema, {
    traceId: "t",
    spanId,
    parentSpanId,
    name: spanId,
    startTime: timestampFromMs(startMs),
    duration: create(DurationSchema, { seconds: BigInt(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1e6 }),
  });

describe("waterfallOf", () => {
  it("puts each span under its parent, siblings by start, bars in proportion", () => {
    const w = waterfallOf([
      span("b", "a", 1_050, 20),
      span("a", "", 1_000, 100),
      span("c", "a", 1_010, 30),
      span("d", "c", 1_020, 10),
    ]);
    expect(w.totalMs).toBe(100);
    expect(w.rows.map((r) => [r.span.spanId, r.depth])).toEqual([
      ["a", 0],
      ["c", 1],
      ["d", 2],
      ["b", 1],
    ]);
    const b = w.rows.find((r) => r.span.spanId === "b")!;
    expect(b.left).toBeCloseTo(50);
    expect(b.width).toBeCloseTo(20);
  });

  it("shows a span whose parent never arrived at the top, marked", () => {
    const w = waterfallOf([span("x", "gone", 0, 10), span("y", "x", 5, 5)]);
    expect(w.rows.map((r) => [r.span.spanId, r.depth, r.orphan])).toEqual([
      ["x", 0, true],
      ["y", 1, false],
    ]);
  });

  it("is empty for no spans", () => {
    expect(waterfallOf([]).rows).toEqual([]);
  });
});
