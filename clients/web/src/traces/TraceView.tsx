import { useMemo } from "react";
import { useCall } from "../api/hooks.js";
import { ErrorView } from "../components/ErrorView.js";
import { elapsed } from "../format.js";
import { href } from "../router.js";
import { useSession } from "../session.js";
import { waterfallOf } from "./waterfall.js";

/** One trace as a waterfall: a row per span under its parent, a bar for when it ran. */
export function TraceView({ traceId }: { traceId: string }) {
  const { api } = useSession();
  const trace = useCall((signal) => api.traces.getTrace({ traceId }, { signal }), [traceId]);
  const waterfall = useMemo(() => waterfallOf(trace.data?.spans ?? []), [trace.data]);
  return (
    <>
      <p>
        <a href={href("traces")}>← Traces</a>
      </p>
      <h1>
        Trace <code>{traceId}</code>
      </h1>
      <p>
        <button type="button" onClick={trace.reload}>
          Refresh
        </button>
      </p>
      <ErrorView error={trace.error} />
      {trace.data && (
        <p className="muted">
          {waterfall.rows.length} spans over {elapsed(waterfall.totalMs)}
        </p>
      )}
      <div className="table-wrap">
        <table aria-label="Spans" className="waterfall">
          <thead>
            <tr>
              <th scope="col">Span</th>
              <th scope="col">Service</th>
              <th scope="col">Duration</th>
              <th scope="col" className="bar-col">
                Timeline
              </th>
            </tr>
          </thead>
          <tbody>
            {waterfall.rows.map((row) => (
              <tr key={row.span.spanId} aria-label={`${row.span.name}: ${elapsed(row.durationMs)}`}>
                <td style={{ paddingLeft: `${0.5 + row.depth * 1.2}rem` }}>
                  <details>
                    <summary>
                      {row.span.name}
                      {row.orphan && <span className="muted"> (parent not received)</span>}
                      {row.span.error && <span className="state failed"> ERROR</span>}
                    </summary>
                    <dl className="attributes">
                      <dt>kind</dt>
                      <dd>{row.span.kind}</dd>
                      {Object.entries(row.span.attributes)
                        .sort(([a], [b]) => a.localeCompare(b))
                        .map(([key, value]) => (
                          <div key={key}>
                            <dt>{key}</dt>
                            <dd>{value}</dd>
                          </div>
                        ))}
                      {row.span.links.map((link) => (
                        <div key={link}>
                          <dt>link</dt>
                          <dd>{link}</dd>
                        </div>
                      ))}
                    </dl>
                  </details>
                </td>
                <td>{row.span.service}</td>
                <td>{elapsed(row.durationMs)}</td>
                <td className="bar-col">
                  <div className="bar-track">
                    <div
                      className={row.span.error ? "bar error" : "bar"}
                      style={{ left: `${row.left}%`, width: `${row.width}%` }}
                      title={`starts at ${elapsed(row.startMs)}`}
                    />
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
