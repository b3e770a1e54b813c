import { useCall } from "../api/hooks.js";
import { Empty } from "../components/Empty.js";
import { ErrorView } from "../components/ErrorView.js";
import { Table } from "../components/Table.js";
import { durationMillis, elapsed, time } from "../format.js";
import type { TraceSummary } from "../gen/nexus/controlplane/v1/trace_service_pb.js";
import { href } from "../router.js";
import { useSession } from "../session.js";
import { TraceView } from "../traces/TraceView.js";

/** The latest traces that touched the organisation, or one of them as a waterfall. */
export function TracesPage({ id }: { id?: string }) {
  return id ? <TraceView traceId={id} /> : <TraceList />;
}

function TraceList() {
  const { api } = useSession();
  const traces = useCall((signal) => api.traces.listTraces({ pageSize: 50 }, { signal }), []);
  return (
    <>
      <h1>
        Traces
      </h1>
      <p>
        <button type="button" onClick={traces.reload}>
          Refresh
        </button>
      </p>
      <p className="muted">
        The latest traces of your organisation that the control plane's own receiver holds (nexus dev keeps
        them; elsewhere, read them in your collector).
      </p>
      <ErrorView error={traces.error} />
      <Table<TraceSummary>
        label="Traces"
        rows={traces.data?.traces ?? []}
        rowKey={(t) => t.traceId}
        loading={traces.loading}
        failed={!!traces.error}
        empty={
          <Empty title="No traces yet">
            <p>Run a workflow, from here or with ./nexus run hello, and its trace shows here.</p>
          </Empty>
        }
        columns={[
          {
            title: "Trace",
            cell: (t) => (
              <a href={href("traces", t.traceId)} aria-label={`Trace ${t.rootName}`}>
                {t.rootName}
              </a>
            ),
          },
          { title: "Services", cell: (t) => t.services.join(", ") },
          { title: "Spans", cell: (t) => String(t.spanCount) },
          { title: "Duration", cell: (t) => elapsed(durationMillis(t.duration)) },
          { title: "Started", cell: (t) => time(t.startTime) },
          { title: "Status", cell: (t) => (t.error ? <span className="state failed">ERROR</span> : "OK") },
        ]}
      />
    </>
  );
}
