import { useState } from "react";
import { useCall, useStream } from "../api/hooks.js";
import { Empty } from "../components/Empty.js";
import { ErrorView } from "../components/ErrorView.js";
import { Live } from "../components/Live.js";
import { Table } from "../components/Table.js";
import { enumName, time } from "../format.js";
import { AuditOutcome, type AuditEvent } from "../gen/nexus/controlplane/v1/audit_service_pb.js";
import { useSession } from "../session.js";

const KEEP = 500;

/** The audit trail: the latest events, then the live tail, filtered by action and resource. */
export function AuditPage() {
  const { api } = useSession();
  const [action, setAction] = useState("");
  const [resource, setResource] = useState("");
  const [live, setLive] = useState<AuditEvent[]>([]);
  const recent = useCall(async (signal) => {
    setLive([]);
    return api.audit.listAuditEvents({ pageSize: 100, action, resource }, { signal });
  }, [action, resource]);
  const stream = useStream(
    (signal) => api.audit.streamAuditEvents({ action, resource }, { signal }),
    (message) => message.auditEvent && setLive((all) => [message.auditEvent!, ...all].slice(0, KEEP)),
    [action, resource],
  );
  const seen = new Set<string>();
  const rows = [...live, ...(recent.data?.auditEvents ?? [])].filter((e) => !seen.has(e.id) && seen.add(e.id));
  return (
    <>
      <h1>
        Audit <Live status={stream} />
      </h1>
      <div className="row" role="search">
        <label>
          Action{" "}
          <input
            value={action}
            list="audit-actions"
            onChange={(e) => setAction(e.target.value)}
            placeholder="nexus.controlplane.v1.ApiKeyService/RevokeApiKey"
          />
        </label>
        <datalist id="audit-actions">
          {[...new Set(rows.map((e) => e.action))].sort().map((a) => (
            <option key={a} value={a} />
          ))}
        </datalist>
        <label>
          Resource <input value={resource} onChange={(e) => setResource(e.target.value)} placeholder="apiKeys/…" />
        </label>
      </div>
      <ErrorView error={recent.error} />
      <Table<AuditEvent>
        label="Audit events"
        loading={recent.loading}
        rows={rows}
        rowKey={(e) => e.id}
        columns={[
          { title: "Time", cell: (e) => time(e.time) },
          { title: "Actor", cell: (e) => e.actor },
          { title: "Action", cell: (e) => e.action },
          { title: "Resource", cell: (e) => <code>{e.resource}</code> },
          { title: "Outcome", cell: (e) => enumName(AuditOutcome, e.outcome) },
        ]}
        failed={!!recent.error}
        empty={
          <Empty title="No audit events match.">
            <p>Every change made through the API is recorded here as it happens.</p>
          </Empty>
        }
      />
    </>
  );
}
