import type { TraceSpan } from "../gen/nexus/controlplane/v1/trace_service_pb.js";
import { durationMillis, millis } from "../format.js";

/** One row of a waterfall: a span, how deep it sits, and where its bar starts and ends (0–100). */
export interface WaterfallRow {
  span: TraceSpan;
  depth: number;
  /** Milliseconds from the trace's start. */
  startMs: number;
  durationMs: number;
  left: number;
  width: number;
  /** Whether its parent was not received (a crashed process's unfinished span, say). */
  orphan: boolean;
}

/** A trace laid out as a waterfall: each span under its parent, siblings by start time. */
export interface Waterfall {
  rows: WaterfallRow[];
  totalMs: number;
}

/** Lays out {@code spans}; a span whose parent is missing is drawn at the top level, marked. */
export function waterfallOf(spans: TraceSpan[]): Waterfall {
  if (spans.length === 0) {
    return { rows: [], totalMs: 0 };
  }
  const start = Math.min(...spans.map((s) => millis(s.startTime) ?? 0));
  const end = Math.max(...spans.map((s) => (millis(s.startTime) ?? 0) + durationMillis(s.duration)));
  const totalMs = Math.max(end - start, 0.001);
  const ids = new Set(spans.map((s) => s.spanId));
  const children = new Map<string, TraceSpan[]>();
  const roots: TraceSpan[] = [];
  for (const span of spans) {
    if (span.parentSpanId && ids.has(span.parentSpanId)) {
      const list = children.get(span.parentSpanId) ?? [];
      list.push(span);
      children.set(span.parentSpanId, list);
    } else {
      roots.push(span);
    }
  }
  const byStart = (a: TraceSpan, b: TraceSpan) => (millis(a.startTime) ?? 0) - (millis(b.startTime) ?? 0);
  const rows: WaterfallRow[] = [];
  const visit = (span: TraceSpan, depth: number) => {
    const startMs = (millis(span.startTime) ?? start) - start;
    const durationMs = durationMillis(span.duration);
    rows.push({
      span,
      depth,
      startMs,
      durationMs,
      left: (startMs / totalMs) * 100,
      width: Math.max((durationMs / totalMs) * 100, 0.5),
      orphan: depth === 0 && span.parentSpanId !== "",
    });
    for (const child of (children.get(span.spanId) ?? []).sort(byStart)) {
      visit(child, depth + 1);
    }
  };
  for (const root of roots.sort(byStart)) {
    visit(root, 0);
  }
  return { rows, totalMs };
}
