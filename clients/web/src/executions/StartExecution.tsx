import { useState, type FormEvent } from "react";
import type { JsonObject } from "@bufbuild/protobuf";
import { serverError, type ServerError } from "../api/errors.js";
import { useCall } from "../api/hooks.js";
import { ErrorView } from "../components/ErrorView.js";
import { useSession } from "../session.js";
import { fieldsOf, inputOf } from "./schemaForm.js";

/** Starts an execution of a workflow with a form made from its newest version's input schema. */
export function StartExecution(props: { onStarted: (executionId: string) => void }) {
  const { api } = useSession();
  const [workflowId, setWorkflowId] = useState("");
  const [values, setValues] = useState<Record<string, string>>({});
  const [rawInput, setRawInput] = useState("{}");
  const [error, setError] = useState<ServerError>();
  const [problem, setProblem] = useState<string>();
  const workflows = useCall((signal) => api.workflows.listWorkflows({ pageSize: 200 }, { signal }), []);
  const chosen = workflows.data?.workflows.find((w) => w.id === workflowId);
  const version = useCall(
    async (signal) =>
      chosen && chosen.latestVersion > 0n
        ? (await api.workflows.getWorkflowVersion({ workflowId: chosen.id, version: chosen.latestVersion }, { signal })).version
        : undefined,
    [chosen?.id, chosen?.latestVersion],
  );
  const fields = fieldsOf(version.data?.spec?.inputSchema as JsonObject | undefined);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(undefined);
    setProblem(undefined);
    let input: JsonObject;
    try {
      input = fields.length ? inputOf(fields, values) : (JSON.parse(rawInput) as JsonObject);
    } catch (err) {
      setProblem((err as Error).message);
      return;
    }
    try {
      const started = await api.executions!.startExecution({ workflow: workflowId, input, requestId: crypto.randomUUID() });
      props.onStarted(started.execution!.id);
    } catch (err) {
      setError(serverError(err));
    }
  };

  return (
    <form onSubmit={submit} aria-label="Start an execution" className="card">
      <h2>Start an execution</h2>
      <label>
        Workflow{" "}
        <select value={workflowId} onChange={(e) => setWorkflowId(e.target.value)} required>
          <option value="">choose…</option>
          {workflows.data?.workflows.map((w) => (
            <option key={w.id} value={w.id}>
              {w.id}
            </option>
          ))}
        </select>
      </label>
      {fields.map((field) => (
        <label key={field.name}>
          {field.name}
          {field.required && " *"}{" "}
          {field.type === "boolean" ? (
            <select value={values[field.name] ?? ""} onChange={(e) => setValues({ ...values, [field.name]: e.target.value })}>
              <option value="">—</option>
              <option value="true">true</option>
              <option value="false">false</option>
            </select>
          ) : field.enumValues ? (
            <select
              value={values[field.name] ?? ""}
              required={field.required}
              onChange={(e) => setValues({ ...values, [field.name]: e.target.value })}
            >
              <option value="">—</option>
              {field.enumValues.map((v) => (
                <option key={v}>{v}</option>
              ))}
            </select>
          ) : (
            <input
              value={values[field.name] ?? ""}
              required={field.required}
              inputMode={field.type === "number" || field.type === "integer" ? "decimal" : undefined}
              placeholder={field.type === "json" ? "JSON" : field.type}
              onChange={(e) => setValues({ ...values, [field.name]: e.target.value })}
            />
          )}
          {field.description && <span className="muted"> {field.description}</span>}
        </label>
      ))}
      {workflowId && !version.loading && fields.length === 0 && (
        <label>
          Input (JSON){" "}
          <textarea rows={4} value={rawInput} onChange={(e) => setRawInput(e.target.value)} />
        </label>
      )}
      <button type="submit" disabled={!workflowId}>
        Start
      </button>
      {problem && (
        <p role="alert" className="error">
          {problem}
        </p>
      )}
      <ErrorView error={error} />
    </form>
  );
}
