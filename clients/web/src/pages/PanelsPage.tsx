import { useState } from "react";
import { serverError, type ServerError } from "../api/errors.js";
import { useCall } from "../api/hooks.js";
import { Empty } from "../components/Empty.js";
import { ErrorView } from "../components/ErrorView.js";
import { Table } from "../components/Table.js";
import { enumName, time } from "../format.js";
import { PanelMode, type Panel } from "../gen/nexus/controlplane/v1/panel_service_pb.js";
import { ManifestState } from "../gen/nexus/sidecar/v1/sidecar_service_pb.js";
import { clusterView } from "../panels/cluster.js";
import { useSession } from "../session.js";

/**
 * The organisation's panels, the instance each runs as, the tools it brings and, for panels the
 * panel manager runs on Kubernetes, where they stand there, with start and stop.
 */
export function PanelsPage() {
  const { api } = useSession();
  const [error, setError] = useState<ServerError>();
  const list = useCall((signal) => api.panels.listPanels({ pageSize: 200 }, { signal }), []);
  const rows = list.data?.panels ?? [];
  const toggle = async (panel: Panel, action: "start" | "stop") => {
    setError(undefined);
    try {
      const request = { name: panel.name, requestId: crypto.randomUUID() };
      await (action === "start" ? api.panels.startPanel(request) : api.panels.stopPanel(request));
      list.reload();
    } catch (e) {
      setError(serverError(e));
    }
  };
  return (
    <>
      <h1>Panels</h1>
      <ErrorView error={error ?? list.error} />
      <Table<Panel>
        label="Panels"
        loading={list.loading}
        rows={rows}
        rowKey={(p) => p.name}
        columns={[
          { title: "Name", cell: (p) => p.name },
          { title: "Mode", cell: (p) => enumName(PanelMode, p.mode).toLowerCase() },
          { title: "Instance", cell: (p) => (p.instance ? `${p.instance.instance} (${enumName(ManifestState, p.instance.manifestState)})` : "not running") },
          { title: "Tools", cell: (p) => p.instance?.tools.map((t) => t.name).join(", ") || "—" },
          { title: "Last seen", cell: (p) => time(p.instance?.lastSeenTime) },
          {
            title: "On Kubernetes",
            cell: (p) => {
              const view = clusterView(p);
              return (
                <>
                  <span title={view.error}>{view.text}</span>
                  {view.error && <div className="muted">{view.error}</div>}
                  {view.action && (
                    <button type="button" onClick={() => void toggle(p, view.action!)}>
                      {view.action === "start" ? "Start" : "Stop"}
                    </button>
                  )}
                </>
              );
            },
          },
        ]}
        failed={!!list.error}
        empty={
          <Empty title="No panels yet.">
            <p>
              Make one with <code>./nexus panel init my-panel</code> and run it with <code>./nexus panel run my-panel</code>: its tools become mesh tools. On
              Kubernetes, <code>./nexus panel create my-panel --image IMAGE</code> has the control plane run it.
            </p>
          </Empty>
        }
      />
    </>
  );
}
