import { useMemo, useState } from "react";
import { serverError, type ServerError } from "../api/errors.js";
import { ErrorView } from "../components/ErrorView.js";
import { useSession } from "../session.js";
import { applyWorkflow, type Applied } from "./apply.js";
import { FileProblem, parseWorkflowFile, violationLines } from "./workflowFile.js";

/**
 * A YAML/JSON editor of a workflow file with Apply: the server's field violations are shown in the
 * gutter beside the lines they name, and listed under the editor with their line numbers.
 */
export function WorkflowEditor(props: { initial: string; onApplied?: (applied: Applied) => void }) {
  const { api } = useSession();
  const [text, setText] = useState(props.initial);
  const [description, setDescription] = useState("");
  const [error, setError] = useState<ServerError>();
  const [problem, setProblem] = useState<FileProblem>();
  const [result, setResult] = useState<string>();
  const [busy, setBusy] = useState(false);
  const marks = useMemo(() => (error ? violationLines(text, error.violations) : []), [error, text]);
  const lines = text.split("\n");
  const marked = new Map<number, string>();
  marks.forEach((m) => m.line && marked.set(m.line, `${marked.get(m.line) ?? ""}${m.field}: ${m.description} `));
  if (problem?.line) {
    marked.set(problem.line, problem.message);
  }

  const apply = async () => {
    setBusy(true);
    setError(undefined);
    setProblem(undefined);
    setResult(undefined);
    try {
      const file = parseWorkflowFile(text);
      const applied = await applyWorkflow(api, file, description);
      setResult(
        applied.changed
          ? `Applied: ${applied.version.workflowId} version ${applied.version.version}.`
          : `Unchanged: version ${applied.version.version} already has this spec.`,
      );
      props.onApplied?.(applied);
    } catch (e) {
      if (e instanceof FileProblem) {
        setProblem(e);
      } else {
        setError(serverError(e));
      }
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-label="Workflow editor" className="editor-section">
      <div className="editor">
        <div className="gutter" aria-hidden="true">
          {lines.map((_, i) => (
            <div key={i} className={marked.has(i + 1) ? "mark" : undefined} title={marked.get(i + 1)}>
              {marked.has(i + 1) ? "⚠" : ""} {i + 1}
            </div>
          ))}
        </div>
        <textarea
          aria-label="Workflow file (YAML or JSON)"
          spellCheck={false}
          wrap="off"
          rows={lines.length + 1}
          value={text}
          onChange={(e) => setText(e.target.value)}
        />
      </div>
      <div className="row">
        <label>
          Version description{" "}
          <input value={description} onChange={(e) => setDescription(e.target.value)} />
        </label>
        <button type="button" onClick={apply} disabled={busy}>
          {busy ? "Applying…" : "Apply"}
        </button>
      </div>
      {problem && (
        <div role="alert" className="error">
          {problem.line ? `Line ${problem.line}: ` : ""}
          {problem.message}
        </div>
      )}
      <ErrorView
        error={error && { ...error, violations: marks.filter((m) => !m.line) }}
      />
      {marks.some((m) => m.line) && (
        <ul aria-label="Violations by line" className="violations">
          {marks
            .filter((m) => m.line)
            .map((m) => (
              <li key={m.field + m.description}>
                Line {m.line}: <code>{m.field}</code>
                <pre className="description">{m.description}</pre>
              </li>
            ))}
        </ul>
      )}
      {result && <p role="status">{result}</p>}
    </section>
  );
}
