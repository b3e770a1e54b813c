import { useState } from "react";
import { useCall } from "../api/hooks.js";
import { ErrorView } from "../components/ErrorView.js";
import { Table } from "../components/Table.js";
import { time } from "../format.js";
import type { WorkflowVersion } from "../gen/nexus/controlplane/v1/workflow_service_pb.js";
import { href } from "../router.js";
import { useSession } from "../session.js";
import { VersionDiff } from "../workflows/VersionDiff.js";
import { WorkflowEditor } from "../workflows/WorkflowEditor.js";
import { specText, workflowFileText } from "../workflows/workflowFile.js";

/** One workflow: its versions, any two side by side, and the editor from its newest version. */
export function WorkflowPage({ id }: { id: string }) {
  const { api } = useSession();
  const [tick, setTick] = useState(0);
  const workflow = useCall((signal) => api.workflows.getWorkflow({ id }, { signal }), [id, tick]);
  const versions = useCall(
    (signal) => api.workflows.listWorkflowVersions({ workflowId: id, pageSize: 200 }, { signal }),
    [id, tick],
  );
  const all = [...(versions.data?.versions ?? [])].sort((a, b) => Number(b.version - a.version));
  const [left, setLeft] = useState<string>("");
  const [right, setRight] = useState<string>("");
  const newest = all[0];
  const older = all[1];
  const leftVersion = all.find((v) => String(v.version) === left) ?? older;
  const rightVersion = all.find((v) => String(v.version) === right) ?? newest;
  const current = workflow.data?.workflow;
  return (
    <>
      <p>
        <a href={href("workflows")}>← Workflows</a>
      </p>
      <h1>{current?.displayName || id}</h1>
      <ErrorView error={workflow.error ?? versions.error} />
      {current && (
        <p className="muted">
          {current.id} · {current.description || "no description"} · updated {time(current.updateTime)}
        </p>
      )}
      <h2>Versions</h2>
      <Table<WorkflowVersion>
        label="Versions"
        loading={versions.loading}
        rows={all}
        rowKey={(v) => String(v.version)}
        columns={[
          { title: "Version", cell: (v) => String(v.version) },
          { title: "Created", cell: (v) => time(v.createTime) },
          { title: "Creator", cell: (v) => v.creator },
          { title: "Description", cell: (v) => v.description },
          { title: "Digest", cell: (v) => <code>{v.specDigest.slice(0, 12)}</code> },
        ]}
      />
      {all.length > 1 && leftVersion && rightVersion && (
        <>
          <h2>Compare</h2>
          <div className="row">
            <VersionPicker label="Left" versions={all} value={String(leftVersion.version)} onChange={setLeft} />
            <VersionPicker label="Right" versions={all} value={String(rightVersion.version)} onChange={setRight} />
          </div>
          <VersionDiff
            left={specText(leftVersion.spec)}
            right={specText(rightVersion.spec)}
            leftTitle={`version ${leftVersion.version}`}
            rightTitle={`version ${rightVersion.version}`}
          />
        </>
      )}
      {current && versions.data && (
        <>
          <h2>Edit and apply</h2>
          <WorkflowEditor
            key={id}
            initial={workflowFileText(current, newest?.spec)}
            onApplied={() => setTick((t) => t + 1)}
          />
        </>
      )}
    </>
  );
}

function VersionPicker(props: {
  label: string;
  versions: WorkflowVersion[];
  value: string;
  onChange: (v: string) => void;
}) {
  return (
    <label>
      {props.label}{" "}
      <select value={props.value} onChange={(e) => props.onChange(e.target.value)}>
        {props.versions.map((v) => (
          <option key={String(v.version)} value={String(v.version)}>
            version {String(v.version)}
          </option>
        ))}
      </select>
    </label>
  );
}
