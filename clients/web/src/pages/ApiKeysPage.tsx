import { useState, type FormEvent } from "react";
import { serverError, type ServerError } from "../api/errors.js";
import { useCall } from "../api/hooks.js";
import { Empty } from "../components/Empty.js";
import { ErrorView } from "../components/ErrorView.js";
import { Table } from "../components/Table.js";
import { enumName, time } from "../format.js";
import { ApiKeyState, type ApiKey } from "../gen/nexus/controlplane/v1/api_key_service_pb.js";
import { useSession } from "../session.js";

/** API keys: create one (its secret shown once, with copy) and revoke. */
export function ApiKeysPage() {
  const { api } = useSession();
  const [tick, setTick] = useState(0);
  const [error, setError] = useState<ServerError>();
  const [secret, setSecret] = useState<{ id: string; value: string }>();
  const [copied, setCopied] = useState(false);
  const [name, setName] = useState("");
  const [workflows, setWorkflows] = useState("");
  const list = useCall((signal) => api.apiKeys.listApiKeys({ pageSize: 200 }, { signal }), [tick]);
  const act = async (action: () => Promise<void>) => {
    setError(undefined);
    try {
      await action();
      setTick((t) => t + 1);
    } catch (e) {
      setError(serverError(e));
    }
  };
  const create = (e: FormEvent) => {
    e.preventDefault();
    void act(async () => {
      const created = await api.apiKeys.createApiKey({
        displayName: name.trim(),
        allowedWorkflowIds: workflows.split(",").map((w) => w.trim()).filter(Boolean),
        requestId: crypto.randomUUID(),
      });
      setSecret({ id: created.apiKey!.id, value: created.secret });
      setCopied(false);
      setName("");
    });
  };
  const rows = list.data?.apiKeys ?? [];
  return (
    <>
      <h1>API keys</h1>
      <form className="row" onSubmit={create} aria-label="Create an API key">
        <label>
          Name <input value={name} onChange={(e) => setName(e.target.value)} required />
        </label>
        <label>
          Workflows <input value={workflows} onChange={(e) => setWorkflows(e.target.value)} placeholder="all, or hello, approval" />
        </label>
        <button type="submit">Create key</button>
      </form>
      {secret && (
        <div className="secret" role="status" aria-label="New key secret">
          <p>
            The secret of key <code>{secret.id}</code>. It is shown once: copy it now.
          </p>
          <code className="value" data-testid="api-key-secret">
            {secret.value}
          </code>{" "}
          <button
            type="button"
            onClick={() =>
              navigator.clipboard?.writeText(secret.value).then(
                () => setCopied(true),
                () => setCopied(false),
              )
            }
          >
            {copied ? "Copied" : "Copy"}
          </button>{" "}
          <button type="button" onClick={() => setSecret(undefined)}>
            Done
          </button>
        </div>
      )}
      <ErrorView error={error ?? list.error} />
      <Table<ApiKey>
        label="API keys"
        loading={list.loading}
        rows={rows}
        rowKey={(k) => k.id}
        columns={[
          { title: "Id", cell: (k) => <code>{k.id}</code> },
          { title: "Name", cell: (k) => k.displayName },
          { title: "Workflows", cell: (k) => (k.allowedWorkflowIds.length ? k.allowedWorkflowIds.join(", ") : "all") },
          { title: "State", cell: (k) => enumName(ApiKeyState, k.state) },
          { title: "Created", cell: (k) => time(k.createTime) },
          {
            title: "Actions",
            cell: (k) =>
              k.state === ApiKeyState.ACTIVE && (
                <button
                  type="button"
                  className="danger"
                  aria-label={`Revoke ${k.displayName || k.id}`}
                  onClick={() => act(async () => void (await api.apiKeys.revokeApiKey({ id: k.id, requestId: crypto.randomUUID() })))}
                >
                  Revoke
                </button>
              ),
          },
        ]}
        failed={!!list.error}
        empty={
          <Empty title="No API keys.">
            <p>Create one above: programs use it to run workflows on the gateways.</p>
          </Empty>
        }
      />
    </>
  );
}
