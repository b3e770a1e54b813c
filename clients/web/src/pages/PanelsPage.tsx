import { useCall } from "../api/hooks.js";
import { Empty } from "../components/Empty.js";
import { ErrorView } from "../components/ErrorView.js";
import { Table } from "../components/Table.js";
import { enumName, time } from "../format.js";
import { PanelMode, type Panel } from "../gen/nexus/controlplane/v1/panel_service_pb.js";
import { ManifestState } from "../gen/nexus/sidecar/v1/sidecar_service_pb.js";
import { useSession } from "../session.js";

/** The organisation's panels, the instance each runs as, and the tools it brings. */
export function PanelsPage() {
  const { api } = useSession();
  const list = useCall((signal) => api.panels.listPanels({ pageSize: 200 }, { signal }), []);
  const rows = list.data?.panels ?? [];
  return (
    <>
      <h1>Panels</h1>
      <ErrorView error={list.error} />
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
        ]}
        failed={!!list.error}
        empty={
          <Empty title="No panels yet.">
            <p>
              Make one with <code>./nexus panel init my-panel</code> and run it with <code>./nexus panel run my-panel</code>: its tools become mesh tools.
            </p>
          </Empty>
        }
      />
    </>
  );
}
