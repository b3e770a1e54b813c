import { elapsed, pretty } from "../format.js";
import type { JsonValue } from "@bufbuild/protobuf";
import { inputOf, type Timeline } from "./timeline.js";

/**
 * The journal as a timeline (Temporal UI's event history, condensed): a row per step, a bar per
 * attempt placed on the execution's time axis, with its duration, outcome, input (what its CEL
 * reads), output or error.
 */
export function TimelineView(props: { timeline: Timeline; now: number; input?: JsonValue }) {
  const { timeline, now, input } = props;
  const start = timeline.start ?? now;
  const end = timeline.end ?? now;
  const span = Math.max(1, end - start);
  if (timeline.steps.length === 0) {
    return <p role="status">No step has started yet.</p>;
  }
  return (
    <ol className="timeline" aria-label="Steps">
      {timeline.steps.map((step) => (
        <li key={step.nodeId}>
          <div className="step-name">
            <strong>{step.nodeId}</strong>
            <span className="muted">
              {" "}
              {step.attempts.length} attempt{step.attempts.length === 1 ? "" : "s"}
            </span>
          </div>
          {step.attempts.map((a) => {
            const until = a.end ?? now;
            return (
              <div key={a.attempt} className={`attempt ${a.outcome}`} aria-label={`${step.nodeId} attempt ${a.attempt}: ${a.outcome}`}>
                <div className="track">
                  <div
                    className="bar"
                    style={{ marginLeft: `${((a.start - start) / span) * 100}%`, width: `${Math.max(0.5, ((until - a.start) / span) * 100)}%` }}
                  />
                </div>
                <div className="attempt-text">
                  #{a.attempt} {a.outcome} · {elapsed(until - a.start)}
                  {a.retryAt && <span className="muted"> · retried at {new Date(a.retryAt).toLocaleTimeString()}</span>}
                </div>
                {a.error && <div className="error">{a.error}</div>}
                <details>
                  <summary>Input</summary>
                  <pre>{pretty(inputOf(timeline, a, input))}</pre>
                </details>
                {a.output !== undefined && (
                  <details>
                    <summary>Output</summary>
                    <pre>{pretty(a.output)}</pre>
                  </details>
                )}
              </div>
            );
          })}
        </li>
      ))}
    </ol>
  );
}
