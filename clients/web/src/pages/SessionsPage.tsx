import { useState, type FormEvent } from "react";
import { serverError, type ServerError } from "../api/errors.js";
import { useCall, useStream } from "../api/hooks.js";
import { Empty } from "../components/Empty.js";
import { ErrorView } from "../components/ErrorView.js";
import { Live } from "../components/Live.js";
import { Table } from "../components/Table.js";
import { enumName, time } from "../format.js";
import { SessionState, type Session } from "../gen/nexus/gateway/v1/session_service_pb.js";
import { href } from "../router.js";
import { useSession } from "../session.js";
import { describeAgentEvent, describeSessionEvent, type HistoryLine } from "../sessions/describe.js";

/** Sessions: the list and a new one; with an id, that session's live events and a message box. */
export function SessionsPage({ id }: { id?: string }) {
  return id ? <SessionView id={id} /> : <SessionList />;
}

function SessionList() {
  const { api } = useSession();
  const sessions = api.sessions!;
  const [error, setError] = useState<ServerError>();
  const list = useCall((signal) => sessions.listSessions({ pageSize: 100 }, { signal }), []);
  const create = async (withAgent: boolean) => {
    setError(undefined);
    try {
      const created = await sessions.createSession({ requestId: crypto.randomUUID(), agent: withAgent ? {} : undefined });
      location.hash = href("sessions", created.session!.id);
    } catch (e) {
      setError(serverError(e));
    }
  };
  const rows = list.data?.sessions ?? [];
  return (
    <>
      <h1>Sessions</h1>
      <div className="row">
        <button type="button" onClick={() => create(true)}>
          New session with an agent
        </button>
        <button type="button" onClick={() => create(false)}>
          New plain session
        </button>
      </div>
      <ErrorView error={error ?? list.error} />
      <Table<Session>
        label="Sessions"
        loading={list.loading}
        rows={rows}
        rowKey={(s) => s.id}
        columns={[
          { title: "Id", cell: (s) => <a href={href("sessions", s.id)}>{s.id}</a> },
          { title: "Subject", cell: (s) => s.subject },
          { title: "Agent", cell: (s) => (s.agent ? s.agent.model || "default model" : "—") },
          { title: "State", cell: (s) => enumName(SessionState, s.state) },
          { title: "Expires", cell: (s) => time(s.expireTime) },
        ]}
        failed={!!list.error}
        empty={
          <Empty title="No open sessions.">
            <p>Open one above, or chat with an agent: <code>./nexus chat --new 'hello'</code>.</p>
          </Empty>
        }
      />
    </>
  );
}

function SessionView({ id }: { id: string }) {
  const { api } = useSession();
  const sessions = api.sessions!;
  const [lines, setLines] = useState<HistoryLine[]>([]);
  const [text, setText] = useState("");
  const [error, setError] = useState<ServerError>();
  const session = useCall((signal) => sessions.getSession({ id }, { signal }), [id]);
  const history = useCall(async (signal) => {
    const replay = await sessions.replaySession({ id, fromSequence: 0n, pageSize: 200 }, { signal });
    return replay.events.map(describeAgentEvent);
  }, [id]);
  const stream = useStream(
    (signal) => sessions.watchSession({ id }, { signal }),
    (message) => message.event && setLines((all) => [...all, describeSessionEvent(message.event!)]),
    [id],
  );
  const send = async (e: FormEvent) => {
    e.preventDefault();
    setError(undefined);
    try {
      await sessions.postSessionMessage({ id, message: { kind: { case: "stringValue", value: text } } });
      setText("");
    } catch (err) {
      setError(serverError(err));
    }
  };
  const all = [...(history.data ?? []), ...lines];
  return (
    <>
      <p>
        <a href={href("sessions")}>← Sessions</a>
      </p>
      <h1>
        Session {id} <Live status={stream} />
      </h1>
      <ErrorView error={session.error ?? error} />
      {session.data?.session && (
        <p className="muted">
          {session.data.session.subject} · {session.data.session.agent ? "agent session" : "plain session"} · expires{" "}
          {time(session.data.session.expireTime)}
        </p>
      )}
      <ol className="history" aria-label="Session events">
        {all.length === 0 && <li className="muted">Nothing yet: send a message.</li>}
        {all.map((line, i) => (
          <li key={i} className={`line ${line.kind.replace(/ /g, "-")}`}>
            <span className="kind">{line.kind}</span> <span className="who">{line.who}</span> <span className="text">{line.text}</span>
          </li>
        ))}
      </ol>
      <form onSubmit={send} className="row" aria-label="Send a message">
        <label className="grow">
          Message <input value={text} onChange={(e) => setText(e.target.value)} required />
        </label>
        <button type="submit">Send</button>
      </form>
    </>
  );
}
