import { useEffect, useMemo, useRef, useState, type FormEvent } from "react";
import type { JsonObject } from "@bufbuild/protobuf";
import { serverError, type ServerError } from "../api/errors.js";
import { useCall, useStream } from "../api/hooks.js";
import { ErrorView } from "../components/ErrorView.js";
import { Live } from "../components/Live.js";
import { timelineOf } from "../executions/timeline.js";
import { TimelineView } from "../executions/TimelineView.js";
import { enumName, pretty, time } from "../format.js";
import { ExecutionStatus, type ExecutionEvent } from "../gen/nexus/gateway/v1/execution_service_pb.js";
import { href } from "../router.js";
import { useSession } from "../session.js";

/** One execution: its live timeline, input and output, and signal and cancel. */
export function ExecutionPage({ id }: { id: string }) {
  const { api } = useSession();
  const executions = api.executions!;
  const [events, setEvents] = useState<ExecutionEvent[]>([]);
  const [tick, setTick] = useState(0);
  const [now, setNow] = useState(Date.now());
  const [actionError, setActionError] = useState<ServerError>();
  const next = useRef(0n);
  const execution = useCall((signal) => executions.getExecution({ id }, { signal }), [id, tick]);
  const stream = useStream(
    (signal) => executions.watchExecution({ id, fromOffset: next.current }, { signal }),
    (message) => {
      const event = message.event;
      if (!event) {
        return;
      }
      next.current = event.offset + 1n;
      setEvents((all) => [...all, event]);
      if (event.kind.case === "executionCompleted") {
        setTick((t) => t + 1);
      }
    },
    [id],
  );
  const timeline = useMemo(() => timelineOf(events), [events]);
  const current = execution.data?.execution;
  const running = current?.status === ExecutionStatus.RUNNING;
  useEffect(() => {
    if (!running) {
      return;
    }
    const timer = setInterval(() => setNow(Date.now()), 250);
    return () => clearInterval(timer);
  }, [running]);
  const act = async (action: () => Promise<unknown>) => {
    setActionError(undefined);
    try {
      await action();
      setTick((t) => t + 1);
    } catch (e) {
      setActionError(serverError(e));
    }
  };
  const status = current ? enumName(ExecutionStatus, current.status) : "…";
  return (
    <>
      <p>
        <a href={href("executions")}>← Executions</a>
      </p>
      <h1>
        Execution {id} <span className={`state ${status.toLowerCase()}`} aria-label="Status">{status}</span>{" "}
        {running && <Live status={stream} />}
      </h1>
      <ErrorView error={execution.error ?? actionError} />
      {current && (
        <p className="muted">
          {current.workflowId} v{String(current.workflowVersion)} · started {time(current.createTime)}
          {current.endTime && ` · ended ${time(current.endTime)}`}
          {current.traceId && (
            <>
              {" · "}
              <a href={href("traces", current.traceId)}>Trace</a>
            </>
          )}
        </p>
      )}
      <h2>Timeline</h2>
      <TimelineView timeline={timeline} now={timeline.end ?? now} input={current?.input} />
      <div className="columns">
        <section aria-label="Input">
          <h2>Input</h2>
          <pre>{current?.input ? pretty(current.input) : "—"}</pre>
        </section>
        <section aria-label="Output">
          <h2>Output</h2>
          <pre>{current?.output ? pretty(current.output) : current?.error ? current.error.message : "—"}</pre>
        </section>
      </div>
      {running && (
        <div className="columns">
          <SignalForm onSignal={(signal, payload) => act(() => executions.signalExecution({ id, signal, payload, requestId: crypto.randomUUID() }))} />
          <button type="button" className="danger" onClick={() => act(() => executions.cancelExecution({ id, reason: "cancelled from the console" }))}>
            Cancel execution
          </button>
        </div>
      )}
    </>
  );
}

function SignalForm({ onSignal }: { onSignal: (signal: string, payload: JsonObject) => void }) {
  const [signal, setSignal] = useState("");
  const [payload, setPayload] = useState("{}");
  const [problem, setProblem] = useState<string>();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    try {
      onSignal(signal, JSON.parse(payload) as JsonObject);
      setProblem(undefined);
    } catch {
      setProblem("payload: not valid JSON");
    }
  };
  return (
    <form onSubmit={submit} aria-label="Signal the execution" className="card">
      <label>
        Signal <input value={signal} onChange={(e) => setSignal(e.target.value)} required placeholder="approve" />
      </label>
      <label>
        Payload (JSON) <textarea rows={3} value={payload} onChange={(e) => setPayload(e.target.value)} />
      </label>
      <button type="submit">Send signal</button>
      {problem && (
        <p role="alert" className="error">
          {problem}
        </p>
      )}
    </form>
  );
}
