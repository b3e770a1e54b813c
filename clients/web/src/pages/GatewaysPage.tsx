import { useCall } from "../api/hooks.js";
import { Empty } from "../components/Empty.js";
import { ErrorView } from "../components/ErrorView.js";
import { Table } from "../components/Table.js";
import { UsageChart } from "../components/UsageChart.js";
import { enumName, time } from "../format.js";
import { Environment } from "../gen/nexus/controlplane/v1/environment_pb.js";
import { GatewayHealth, type Gateway } from "../gen/nexus/controlplane/v1/gateway_service_pb.js";
import { useSession } from "../session.js";

/** The organisation's gateways and their health, and the last day's usage per workflow. */
export function GatewaysPage() {
  const { api } = useSession();
  const gateways = useCall((signal) => api.gateways.listGateways({ pageSize: 200 }, { signal }), []);
  const usage = useCall((signal) => api.gateways.listWorkflowUsage({}, { signal }), []);
  const rows = gateways.data?.gateways ?? [];
  return (
    <>
      <h1>Gateways</h1>
      <ErrorView error={gateways.error} />
      <Table<Gateway>
        label="Gateways"
        loading={gateways.loading}
        rows={rows}
        rowKey={(g) => g.id}
        columns={[
          { title: "Id", cell: (g) => g.id },
          { title: "Environment", cell: (g) => enumName(Environment, g.environment).toLowerCase() },
          {
            title: "Health",
            cell: (g) => <span className={`state ${enumName(GatewayHealth, g.health).toLowerCase()}`}>{enumName(GatewayHealth, g.health)}</span>,
          },
          { title: "Version", cell: (g) => g.buildVersion },
          { title: "Last heartbeat", cell: (g) => time(g.lastHeartbeatTime) },
          { title: "Keys", cell: (g) => `${g.appliedKeyGeneration} / ${g.desiredKeyGeneration}` },
        ]}
        failed={!!gateways.error}
        empty={
          <Empty title="No gateway has registered.">
            <p>Start one with <code>./nexus gateway</code>; it registers with this control plane.</p>
          </Empty>
        }
      />
      <h2>Usage per workflow, last 24 hours</h2>
      <ErrorView error={usage.error} />
      {usage.data && usage.data.usage.length === 0 ? (
        <Empty title="No usage reported in the last 24 hours.">
          <p>Gateways report executions every minute; run a workflow and come back.</p>
        </Empty>
      ) : (
        usage.data && <UsageChart usage={usage.data.usage} />
      )}
    </>
  );
}
