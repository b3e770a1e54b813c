import { useState, type FormEvent } from "react";
import { serverError, type ServerError } from "../api/errors.js";
import { useCall, useStream } from "../api/hooks.js";
import { Empty } from "../components/Empty.js";
import { ErrorView } from "../components/ErrorView.js";
import { Live } from "../components/Live.js";
import { Table } from "../components/Table.js";
import { durationMillis, enumName, time } from "../format.js";
import { Environment } from "../gen/nexus/controlplane/v1/environment_pb.js";
import {
  CanaryState,
  RolloutState,
  type CanaryStatus,
  type Deployment,
} from "../gen/nexus/controlplane/v1/deployment_service_pb.js";
import { useSession } from "../session.js";

const ENVIRONMENTS = [Environment.DEV, Environment.STAGING, Environment.PROD];

/**
 * Deployments: create, promote and roll back, with every gateway's rollout state as it changes;
 * a canary shows its share and each version's error rate and latency, and can be promoted or aborted.
 */
export function DeploymentsPage() {
  const { api } = useSession();
  const [byId, setById] = useState<Map<string, Deployment>>(new Map());
  const [actionError, setActionError] = useState<ServerError>();
  const list = useCall(async (signal) => {
    const page = await api.deployments.listDeployments({ pageSize: 200 }, { signal });
    setById((current) => {
      const next = new Map(current);
      page.deployments.forEach((d) => next.set(d.id, d));
      return next;
    });
    return page;
  }, []);
  const stream = useStream(
    (signal) => api.deployments.watchDeployments({}, { signal }),
    (message) =>
      message.deployment &&
      setById((current) => new Map(current).set(message.deployment!.id, message.deployment!)),
    [],
  );
  const rows = [...byId.values()].sort((a, b) => b.id.localeCompare(a.id));
  const run = async (action: () => Promise<unknown>) => {
    setActionError(undefined);
    try {
      await action();
    } catch (e) {
      setActionError(serverError(e));
    }
  };
  return (
    <>
      <h1>
        Deployments <Live status={stream} />
      </h1>
      <CreateDeployment onCreate={(workflowId, version, environment) =>
        run(() => api.deployments.createDeployment({ workflowId, version, environment, requestId: crypto.randomUUID() }))
      } />
      <ErrorView error={actionError ?? list.error} />
      <Table<Deployment>
        label="Deployments"
        loading={list.loading}
        rows={rows}
        rowKey={(d) => d.id}
        columns={[
          { title: "Workflow", cell: (d) => `${d.workflowId} v${d.version}` },
          { title: "Environment", cell: (d) => enumName(Environment, d.environment) },
          { title: "State", cell: (d) => <State state={d.state} /> },
          {
            title: "Gateways",
            cell: (d) => (
              <ul className="rollouts" aria-label={`Rollout of ${d.id}`}>
                {d.gateways.map((g) => (
                  <li key={g.gatewayId}>
                    {g.gatewayId}: <State state={g.state} />
                    {g.reason && <span className="muted"> {g.reason}</span>}
                  </li>
                ))}
              </ul>
            ),
          },
          { title: "Canary", cell: (d) => (d.canary ? <Canary canary={d.canary} /> : null) },
          { title: "Updated", cell: (d) => time(d.updateTime) },
          {
            title: "Actions",
            cell: (d) =>
              d.state === RolloutState.SUPERSEDED ? null : (
                <span className="actions">
                  {d.canary?.state === CanaryState.RUNNING && (
                    <>
                      <button
                        type="button"
                        onClick={() => run(() => api.deployments.promoteCanary({ id: d.id, requestId: crypto.randomUUID() }))}
                      >
                        Promote canary
                      </button>
                      <button
                        type="button"
                        onClick={() => run(() => api.deployments.abortCanary({ id: d.id, requestId: crypto.randomUUID() }))}
                      >
                        Abort canary
                      </button>
                    </>
                  )}
                  {ENVIRONMENTS.filter((e) => e > d.environment).slice(0, 1).map((target) => (
                    <button
                      key={target}
                      type="button"
                      onClick={() =>
                        run(() =>
                          api.deployments.promoteDeployment({ id: d.id, targetEnvironment: target, requestId: crypto.randomUUID() }),
                        )
                      }
                    >
                      Promote to {enumName(Environment, target).toLowerCase()}
                    </button>
                  ))}
                  {d.previousVersion > 0n && (
                    <button
                      type="button"
                      onClick={() => run(() => api.deployments.rollbackDeployment({ id: d.id, requestId: crypto.randomUUID() }))}
                    >
                      Roll back to v{String(d.previousVersion)}
                    </button>
                  )}
                </span>
              ),
          },
        ]}
        failed={!!list.error}
        empty={
          <Empty title="Nothing is deployed yet.">
            <p>Deploy a workflow's version to an environment with the form above, or <code>./nexus deploy create hello</code>.</p>
          </Empty>
        }
      />
    </>
  );
}

/** A canary's share and state, then each version's executions, error rate and p50/p99 latency. */
function Canary({ canary }: { canary: CanaryStatus }) {
  return (
    <span aria-label="Canary">
      {canary.policy?.percent}% {enumName(CanaryState, canary.state)}
      {canary.reason && <span className="muted"> {canary.reason}</span>}
      <ul className="rollouts">
        {canary.versions.map((v) => (
          <li key={String(v.version)}>
            v{String(v.version)}: {String(v.executions)} runs, {(v.errorRate * 100).toFixed(1)}% errors, p50{" "}
            {durationMillis(v.p50Latency)} ms, p99 {durationMillis(v.p99Latency)} ms
          </li>
        ))}
      </ul>
    </span>
  );
}

function State({ state }: { state: RolloutState }) {
  const name = enumName(RolloutState, state);
  return <span className={`state ${name.toLowerCase()}`}>{name}</span>;
}

function CreateDeployment(props: { onCreate: (workflowId: string, version: bigint, environment: Environment) => void }) {
  const [workflowId, setWorkflowId] = useState("");
  const [version, setVersion] = useState("");
  const [environment, setEnvironment] = useState(Environment.DEV);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    props.onCreate(workflowId.trim(), BigInt(version || "0"), environment);
  };
  return (
    <form className="row" onSubmit={submit} aria-label="Create a deployment">
      <label>
        Workflow <input value={workflowId} onChange={(e) => setWorkflowId(e.target.value)} required />
      </label>
      <label>
        Version <input inputMode="numeric" pattern="[1-9][0-9]*" value={version} onChange={(e) => setVersion(e.target.value)} required />
      </label>
      <label>
        Environment{" "}
        <select value={environment} onChange={(e) => setEnvironment(Number(e.target.value))}>
          {ENVIRONMENTS.map((env) => (
            <option key={env} value={env}>
              {enumName(Environment, env).toLowerCase()}
            </option>
          ))}
        </select>
      </label>
      <button type="submit">Deploy</button>
    </form>
  );
}
