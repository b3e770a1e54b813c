import { useCall } from "../api/hooks.js";
import { Empty } from "../components/Empty.js";
import { ErrorView } from "../components/ErrorView.js";
import { Table } from "../components/Table.js";
import { StartExecution } from "../executions/StartExecution.js";
import { enumName, time } from "../format.js";
import { ExecutionStatus, type Execution } from "../gen/nexus/gateway/v1/execution_service_pb.js";
import { href } from "../router.js";
import { useSession } from "../session.js";

/** Recent executions on the gateway, and a form to start one. */
export function ExecutionsPage() {
  const { api } = useSession();
  const list = useCall((signal) => api.executions!.listExecutions({ pageSize: 100 }, { signal }), []);
  const executions = list.data?.executions ?? [];
  return (
    <>
      <h1>Executions</h1>
      <StartExecution onStarted={(id) => (location.hash = href("executions", id))} />
      <ErrorView error={list.error} />
      <Table<Execution>
        label="Executions"
        loading={list.loading}
        rows={executions}
        rowKey={(e) => e.id}
        columns={[
          { title: "Id", cell: (e) => <a href={href("executions", e.id)}>{e.id}</a> },
          { title: "Workflow", cell: (e) => `${e.workflowId} v${e.workflowVersion}` },
          { title: "Status", cell: (e) => <span className={`state ${enumName(ExecutionStatus, e.status).toLowerCase()}`}>{enumName(ExecutionStatus, e.status)}</span> },
          { title: "Started", cell: (e) => time(e.createTime) },
          { title: "Ended", cell: (e) => time(e.endTime) },
        ]}
        failed={!!list.error}
        empty={
          <Empty title="No executions yet.">
            <p>Start one above, or run <code>./nexus run hello --input '{"{"}"name": "Ada"{"}"}'</code>.</p>
          </Empty>
        }
      />
    </>
  );
}
