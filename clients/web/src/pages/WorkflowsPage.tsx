import { useState } from "react";
import { useCall } from "../api/hooks.js";
import { Empty } from "../components/Empty.js";
import { ErrorView } from "../components/ErrorView.js";
import { Table } from "../components/Table.js";
import { time } from "../format.js";
import type { Workflow } from "../gen/nexus/controlplane/v1/workflow_service_pb.js";
import { href } from "../router.js";
import { useSession } from "../session.js";
import { WorkflowEditor } from "../workflows/WorkflowEditor.js";
import { workflowFileText } from "../workflows/workflowFile.js";

/** The organisation's workflows, filtered by label, and an editor to apply a new one. */
export function WorkflowsPage() {
  const { api } = useSession();
  const [selector, setSelector] = useState("");
  const [applied, setApplied] = useState(0);
  const [editing, setEditing] = useState(false);
  const list = useCall(
    (signal) => api.workflows.listWorkflows({ pageSize: 200, labelSelector: selector }, { signal }),
    [selector, applied],
  );
  const workflows = list.data?.workflows ?? [];
  return (
    <>
      <h1>Workflows</h1>
      <div className="row">
        <label>
          Filter by label{" "}
          <input
            placeholder="team=payments"
            value={selector}
            onChange={(e) => setSelector(e.target.value)}
            aria-describedby="selector-help"
          />
        </label>
        <span id="selector-help" className="muted">
          key=value, comma-separated
        </span>
        <button type="button" onClick={() => setEditing(!editing)} aria-expanded={editing}>
          {editing ? "Close editor" : "Apply a workflow"}
        </button>
      </div>
      {editing && (
        <WorkflowEditor initial={workflowFileText(undefined, undefined)} onApplied={() => setApplied((n) => n + 1)} />
      )}
      <ErrorView error={list.error} />
      <Table<Workflow>
        label="Workflows"
        loading={list.loading}
        rows={workflows}
        rowKey={(w) => w.id}
        columns={[
          { title: "Id", cell: (w) => <a href={href("workflows", w.id)}>{w.id}</a> },
          { title: "Name", cell: (w) => w.displayName },
          {
            title: "Labels",
            cell: (w) =>
              Object.entries(w.labels).map(([k, v]) => (
                <span key={k} className="chip">
                  {k}={v}
                </span>
              )),
          },
          { title: "Latest version", cell: (w) => String(w.latestVersion) },
          { title: "Updated", cell: (w) => time(w.updateTime) },
        ]}
        failed={!!list.error}
        empty={
          <Empty title={selector ? "No workflow has these labels." : "No workflows yet."}>
            <p>
              Apply one with the editor above, or from a file: <code>./nexus workflows apply -f examples/hello.yaml</code>.
            </p>
          </Empty>
        }
      />
    </>
  );
}
