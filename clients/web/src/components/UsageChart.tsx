import { durationMillis, elapsed } from "../format.js";
import type { WorkflowUsage } from "../gen/nexus/controlplane/v1/gateway_service_pb.js";

/** A horizontal bar chart of executions per workflow (SVG, no chart library: a few rectangles). */
export function UsageChart({ usage }: { usage: WorkflowUsage[] }) {
  const max = Math.max(1, ...usage.map((u) => Number(u.executions)));
  const rowHeight = 28;
  const height = usage.length * rowHeight;
  return (
    <figure className="chart">
      <svg role="img" aria-label="Executions per workflow" viewBox={`0 0 600 ${height}`} width="100%" preserveAspectRatio="xMinYMin meet">
        {usage.map((u, i) => {
          const width = (Number(u.executions) / max) * 380;
          const name = u.workflowId || "(agents)";
          return (
            <g key={name} transform={`translate(0, ${i * rowHeight})`}>
              <text x="0" y="18" fontSize="13">
                {name}
              </text>
              <rect x="140" y="4" width={Math.max(2, width)} height="18" className="bar" />
              <text x={146 + width} y="18" fontSize="12">
                {String(u.executions)}
              </text>
            </g>
          );
        })}
      </svg>
      <figcaption>
        <table aria-label="Usage per workflow">
          <thead>
            <tr>
              <th scope="col">Workflow</th>
              <th scope="col">Executions</th>
              <th scope="col">Steps</th>
              <th scope="col">Mean duration</th>
              <th scope="col">Model tokens</th>
            </tr>
          </thead>
          <tbody>
            {usage.map((u) => (
              <tr key={u.workflowId || "(agents)"}>
                <td>{u.workflowId || "(agents)"}</td>
                <td>{String(u.executions)}</td>
                <td>{String(u.nodeRuns)}</td>
                <td>{u.executions > 0n ? elapsed(durationMillis(u.totalDuration) / Number(u.executions)) : "—"}</td>
                <td>{String(u.promptTokens + u.completionTokens)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </figcaption>
    </figure>
  );
}
